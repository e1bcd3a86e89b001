using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using DistGen.Grains.Security.Tls;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Calls other silos' <see cref="TensorExchangeService"/>: one HTTP/2 channel and one resilience pipeline (retry,
/// circuit breaker, time-out) per endpoint, the cluster secret on every call. Failures surface as
/// <see cref="RpcException"/>: an open circuit as Unavailable, an attempt's time-out as DeadlineExceeded, a corrupt
/// reply as DataLoss.
/// </summary>
public sealed class TensorExchangeClient(
    IOptions<DataPlaneOptions> options, ClusterSecret secret, ILoggerFactory loggers, TransportSecurity? security = null, TimeProvider? time = null) : IDisposable
{
    // Room for a chunk's header (key, shape, offsets) next to its data.
    internal const int ChunkHeaderRoom = 64 << 10;

    // How long a failed write waits for the server's reply before it counts as this side's failure.
    private static readonly TimeSpan ReplyGrace = TimeSpan.FromSeconds(2);

    private readonly DataPlaneOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger<TensorExchangeClient>();
    private readonly ConcurrentDictionary<string, Lazy<Connection>> _connections = new(StringComparer.OrdinalIgnoreCase);

    // Pushes go through the generated client; pulls through the hand-bound method that reads chunks into pooled buffers.
    private sealed record Connection(GrpcChannel Channel, CallInvoker Invoker, Wire.TensorExchange.TensorExchangeClient Stub, ResiliencePipeline Pipeline);

    /// <summary>Pushes a tensor to the store at <paramref name="endpoint"/>; false when it was already there.</summary>
    public Task<bool> PushAsync(string endpoint, TensorKey key, TensorPayload payload, CancellationToken cancellation = default) =>
        MeasuredAsync("push", WireBytes(payload.Data.LongLength), () => PushOnceAsync(endpoint, key, payload, cancellation));

    /// <summary>Pulls a tensor from the store at <paramref name="endpoint"/>, in the configured wire format.</summary>
    public Task<TensorPayload> PullAsync(string endpoint, TensorKey key, CancellationToken cancellation = default) =>
        MeasuredAsync("pull", payload => WireBytes(payload.Data.LongLength), () => PullOnceAsync(endpoint, key, cancellation));

    private Task<bool> PushOnceAsync(string endpoint, TensorKey key, TensorPayload payload, CancellationToken cancellation) =>
        RunAsync(endpoint, async (connection, token) =>
        {
            using var call = connection.Stub.Push(Headers(), cancellationToken: token);
            var reply = call.ResponseAsync;
            try
            {
                await TensorChunkSender.SendAsync(key, payload, _options.WireDType, _options.ChunkBytes,
                    (chunk, t) => call.RequestStream.WriteAsync(chunk, t), token).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                // The server ended the call before reading everything (a refusal, or a duplicate): its reply or status
                // follows. A failure on this side has none: then the write's own exception is the answer.
                if (await Task.WhenAny(reply, Task.Delay(ReplyGrace, token)).ConfigureAwait(false) != reply) throw;
            }
            return !(await reply.ConfigureAwait(false)).Duplicate;
        }, cancellation);

    private Task<TensorPayload> PullOnceAsync(string endpoint, TensorKey key, CancellationToken cancellation) =>
        RunAsync(endpoint, async (connection, token) =>
        {
            var request = new Wire.PullRequest { Key = key.ToWire(), Dtype = _options.WireDType };
            using var call = connection.Invoker.AsyncServerStreamingCall(TensorExchangeMethods.Pull, null, new CallOptions(Headers(), cancellationToken: token), request);
            var chunks = call.ResponseStream;
            try
            {
                if (!await chunks.MoveNext(token).ConfigureAwait(false))
                    throw new MalformedTensorStreamException($"the pull of {key} returned no chunks");
                var assembler = new TensorChunkAssembler(chunks.Current, _options.MaxChunkBytes);
                if (assembler.Key != key) throw new MalformedTensorStreamException($"the pull of {key} returned {assembler.Key}");
                try
                {
                    do
                    {
                        using var chunk = chunks.Current;
                        assembler.Add(chunk);
                        ChunkDestination.Current ??= assembler.Destination;
                    }
                    while (await chunks.MoveNext(token).ConfigureAwait(false));
                }
                finally
                {
                    assembler.CloseDestination();
                }
                return assembler.Complete();
            }
            catch (MalformedTensorStreamException malformed)
            {
                throw new RpcException(new Status(StatusCode.DataLoss, malformed.Message));
            }
        }, cancellation);

    // Duration and outcome of a call, retries included, and the wire bytes of the tensor it moved (DataPlaneMeter).
    private static async Task<T> MeasuredAsync<T>(string call, Func<T, long> wireBytes, Func<Task<T>> run)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var result = await run().ConfigureAwait(false);
            Metrics.DataPlaneMeter.Called(call, System.Diagnostics.Stopwatch.GetElapsedTime(started), wireBytes(result));
            return result;
        }
        catch
        {
            Metrics.DataPlaneMeter.Called(call, System.Diagnostics.Stopwatch.GetElapsedTime(started), null);
            throw;
        }
    }

    private static Task<T> MeasuredAsync<T>(string call, long wireBytes, Func<Task<T>> run) => MeasuredAsync(call, _ => wireBytes, run);

    private long WireBytes(long elements) => elements * TensorWireFormat.ElementSize(_options.WireDType);

    public void Dispose()
    {
        foreach (var connection in _connections.Values.Where(c => c.IsValueCreated))
            connection.Value.Channel.Dispose();
        _connections.Clear();
    }

    private async Task<T> RunAsync<T>(
        string endpoint, Func<Connection, CancellationToken, Task<T>> call, CancellationToken cancellation)
    {
        var connection = _connections.GetOrAdd(endpoint, e => new Lazy<Connection>(() => Connect(e))).Value;
        try
        {
            return await connection.Pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    try
                    {
                        return await state.call(state.connection, token).ConfigureAwait(false);
                    }
                    catch (RpcException cancelled) when (cancelled.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested)
                    {
                        // As an OperationCanceledException, Polly tells its own attempt time-out from the caller's cancellation.
                        throw new OperationCanceledException("the data-plane call was cancelled", cancelled, token);
                    }
                },
                (call, connection), cancellation).ConfigureAwait(false);
        }
        catch (BrokenCircuitException open)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"data-plane circuit to {endpoint} is open: {open.Message}"));
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"data-plane call to {endpoint} took longer than DataPlane:CallTimeout ({_options.CallTimeout}): {timeout.Message}"));
        }
    }

    private Connection Connect(string endpoint)
    {
        var transport = security ?? TransportSecurity.Plaintext;
        // The secret header is sent only the way this silo is configured: never over plaintext when TLS is on.
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var address) || address.Scheme != transport.Scheme)
            throw new ArgumentException($"data-plane endpoint '{endpoint}' is not an {transport.Scheme}://HOST:PORT address", nameof(endpoint));
        var handler = new SocketsHttpHandler
        {
            // The largest window the handler allows: pulls of big tensors stall on 64 KiB windows.
            InitialHttp2StreamWindowSize = 16 << 20,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };
        if (_options.BatchSocketCalls) handler.ConnectCallback = ConnectAsync;
        if (transport.Certificates is { } certificates) handler.SslOptions = DataPlaneTls.Client(certificates);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = _options.MaxChunkBytes + ChunkHeaderRoom,
            MaxSendMessageSize = _options.ChunkBytes + ChunkHeaderRoom,
            LoggerFactory = loggers,
        });
        var pipeline = DataPlaneResilience.Create(endpoint, _options, _logger, time ?? TimeProvider.System);
        var invoker = channel.CreateCallInvoker();
        return new Connection(channel, invoker, new Wire.TensorExchange.TensorExchangeClient(invoker), pipeline);
    }

    /// <summary>A TCP connection as SocketsHttpHandler makes one (no Nagle delay), with batched socket calls.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellation).ConfigureAwait(false);
            return new BatchingConnectionStream(new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Metadata Headers() => new() { { ClusterSecret.Header, secret.Value } };
}
