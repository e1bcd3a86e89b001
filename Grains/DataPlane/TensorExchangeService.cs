using DistGen.Grains.Security.Tls;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The gRPC side of a silo's tensor store (service <c>TensorExchange</c> of <c>tensor_exchange.proto</c>). Every call
/// must carry the cluster secret and, with TLS, come through a connection made with a silo certificate (consoles connect
/// to the same endpoint to download artifacts, and reach nothing here); a push is checked chunk by chunk (<see cref="TensorChunkAssembler"/>) and stores
/// nothing unless the whole tensor arrived intact and fits. Derives from <see cref="TensorExchangeServiceBase"/> rather
/// than the generated base class, so that pushed chunks arrive as <see cref="ReceivedChunk"/> (pooled data, no
/// per-chunk array).
/// </summary>
public sealed class TensorExchangeService(
    TensorStore store, ClusterSecret secret, IOptions<DataPlaneOptions> options, ILogger<TensorExchangeService> logger, TransportSecurity? security = null)
    : TensorExchangeServiceBase
{
    private readonly DataPlaneOptions _options = options.Value;

    public override async Task<Wire.PushReply> Push(IAsyncStreamReader<ReceivedChunk> requestStream, ServerCallContext context)
    {
        Authorize(context);
        try
        {
            return await ReceiveAsync(requestStream, context).ConfigureAwait(false);
        }
        catch (MalformedTensorStreamException malformed)
        {
            throw Refuse(StatusCode.InvalidArgument, malformed.Message, context);
        }
        catch (TensorStoreFullException full)
        {
            throw Refuse(StatusCode.ResourceExhausted, full.Message, context);
        }
    }

    public override async Task Pull(Wire.PullRequest request, IServerStreamWriter<Wire.TensorChunk> responseStream, ServerCallContext context)
    {
        Authorize(context);
        var key = WireKey.FromWire(request.Key);
        if (WireKey.Problem(key) is { } problem) throw Refuse(StatusCode.InvalidArgument, problem, context);
        if (!Enum.IsDefined(request.Dtype))
            throw Refuse(StatusCode.InvalidArgument, $"unknown dtype {(int)request.Dtype} requested for {key}: use float32 (0) or bfloat16 (1)", context);
        if (!store.TryGet(key, out var payload))
            throw new RpcException(new Status(StatusCode.NotFound, $"tensor {key} is not in the store of this silo"));
        await TensorChunkSender.SendAsync(key, payload!, request.Dtype, _options.ChunkBytes,
            (chunk, cancellation) => responseStream.WriteAsync(chunk, cancellation), context.CancellationToken).ConfigureAwait(false);
        Metrics.DataPlaneMeter.Served("pull", payload!.Data.LongLength * TensorWireFormat.ElementSize(request.Dtype));
        logger.LogDebug("Served {Key} as {DType} to {Peer}", key, request.Dtype, context.Peer);
    }

    private void Authorize(ServerCallContext context)
    {
        if ((security ?? TransportSecurity.Plaintext).TlsEnabled && !DataPlaneTls.IsSilo(context.GetHttpContext().Connection.ClientCertificate))
            throw Refuse(StatusCode.PermissionDenied, "the tensor methods answer silos only, and this connection was made with another certificate", context);
        var presented = context.RequestHeaders.GetValue(ClusterSecret.Header);
        if (presented is null)
            throw Refuse(StatusCode.Unauthenticated, $"the call carries no {ClusterSecret.Header} header: give the client DataPlane:Secret", context);
        if (!secret.Matches(presented))
            throw Refuse(StatusCode.PermissionDenied, $"the {ClusterSecret.Header} header does not match this silo's cluster secret (DataPlane:Secret)", context);
    }

    private async Task<Wire.PushReply> ReceiveAsync(IAsyncStreamReader<ReceivedChunk> requestStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation).ConfigureAwait(false))
            throw new MalformedTensorStreamException("the push stream had no chunks");
        using var first = requestStream.Current;
        var assembler = new TensorChunkAssembler(first, _options.MaxChunkBytes);
        // Idempotent by key: a repeat (e.g. a retry after a lost reply) is acknowledged without reading its data.
        var duplicate = new Wire.PushReply { Duplicate = true };
        if (store.Contains(assembler.Key)) return duplicate;
        using var reservation = store.Reserve(assembler.Key, assembler.StoreBytes);
        assembler.Add(first);
        first.Dispose();
        ChunkDestination.Current = assembler.Destination;
        try
        {
            while (await requestStream.MoveNext(cancellation).ConfigureAwait(false))
            {
                using var chunk = requestStream.Current;
                assembler.Add(chunk);
            }
        }
        finally
        {
            assembler.CloseDestination();
        }
        if (!reservation.Commit(assembler.Key, assembler.Complete())) return duplicate;
        Metrics.DataPlaneMeter.Served("push", assembler.WireBytes);
        logger.LogDebug("Stored {Key} ({Bytes} bytes) pushed by {Peer}", assembler.Key, assembler.StoreBytes, context.Peer);
        return new Wire.PushReply { StoredBytes = assembler.StoreBytes };
    }

    private RpcException Refuse(StatusCode code, string message, ServerCallContext context)
    {
        logger.LogWarning("Refused a data-plane call from {Peer}: {Code} {Message}", context.Peer, code, message);
        return new RpcException(new Status(code, message));
    }
}
