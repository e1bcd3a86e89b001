using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The data plane as grains use it. Calls naming this silo's own endpoint are served from the <see cref="TensorStore"/>
/// in memory (no gRPC); other endpoints go through <see cref="TensorExchangeClient"/>. Pulled parameters are kept in
/// the local store, and concurrent pulls of one parameter key share one transfer. Payloads are passed by reference:
/// do not modify one after handing it over. Refusals surface as <see cref="RpcException"/> with the status a remote
/// call would have, also for the local endpoint (NotFound, ResourceExhausted).
/// </summary>
public sealed class TensorExchange(
    TensorStore store, TensorExchangeClient client, DataPlaneEndpoint localEndpoint, ILogger<TensorExchange> logger) : ITensorExchange
{
    private readonly ConcurrentDictionary<TensorKey, Lazy<Task<TensorPayload>>> _pulls = new();

    public string LocalEndpoint => localEndpoint.Address;

    public void PutLocal(TensorKey key, TensorPayload payload)
    {
        CheckPayload(key, payload);
        store.TryAdd(key, payload);
    }

    public Task PushAsync(string endpoint, TensorKey key, TensorPayload payload, CancellationToken cancellation = default)
    {
        CheckPayload(key, payload);
        if (!IsLocal(endpoint)) return client.PushAsync(endpoint, key, payload, cancellation);
        try
        {
            store.TryAdd(key, payload);
        }
        catch (TensorStoreFullException full)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, full.Message));
        }
        return Task.CompletedTask;
    }

    public async Task<TensorPayload> PullAsync(string endpoint, TensorKey key, CancellationToken cancellation = default)
    {
        if (store.TryGet(key, out var stored)) return stored!;
        if (IsLocal(endpoint))
            throw new RpcException(new Status(StatusCode.NotFound, $"tensor {key} is not in the store of this silo"));
        if (key.Kind != TensorKey.Parameters) return await client.PullAsync(endpoint, key, cancellation).ConfigureAwait(false);

        // One transfer per parameter version and silo: later callers await the first one's pull. It runs without the
        // callers' cancellation (one caller giving up must not fail the others), bounded by DataPlane:CallTimeout.
        var pull = new Lazy<Task<TensorPayload>>(() => PullAndKeepAsync(endpoint, key));
        var shared = _pulls.GetOrAdd(key, pull);
        if (ReferenceEquals(shared, pull))
            _ = shared.Value.ContinueWith(_ => _pulls.TryRemove(new KeyValuePair<TensorKey, Lazy<Task<TensorPayload>>>(key, pull)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return await shared.Value.WaitAsync(cancellation).ConfigureAwait(false);
    }

    public bool TryTakeLocal(TensorKey key, out TensorPayload? payload) => store.TryTake(key, out payload);

    public void Retire(string job, long currentVersion) => store.Retire(job, currentVersion);

    public void ReleaseJob(string job) => store.ReleaseJob(job);

    private async Task<TensorPayload> PullAndKeepAsync(string endpoint, TensorKey key)
    {
        var payload = await client.PullAsync(endpoint, key, CancellationToken.None).ConfigureAwait(false);
        try
        {
            store.TryAdd(key, payload);
            // A worker's silo keeps the pulled version and the one before, like the coordinator's silo.
            store.RetireKind(key.Job, TensorKey.Parameters, key.Version);
        }
        catch (TensorStoreFullException full)
        {
            logger.LogWarning("Pulled {Key} is not kept in this silo's store: {Reason}", key, full.Message);
        }
        return payload;
    }

    private bool IsLocal(string endpoint) => localEndpoint.IsLocal(endpoint);

    private static void CheckPayload(TensorKey key, TensorPayload payload)
    {
        if (WireKey.Problem(key) is { } problem) throw new ArgumentException(problem, nameof(key));
        if (TensorWireFormat.ElementCount(payload.Shape) != payload.Data.Length)
            throw new ArgumentException(
                $"tensor {key} has shape {TensorWireFormat.Describe(payload.Shape)} but {payload.Data.Length} values", nameof(payload));
    }
}
