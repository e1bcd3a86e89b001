namespace DistGen.Grains.DataPlane;

/// <summary>A float32 tensor on the data plane: its shape and its values, row-major.</summary>
/// <remarks>
/// Payloads are handed over by reference (in memory on one silo, from the store to every local reader): treat one as
/// immutable once it is put, pushed or pulled.
/// </remarks>
public sealed record TensorPayload(long[] Shape, float[] Data);

/// <summary>
/// The data plane as the grains see it. Endpoints are silos' data-plane addresses ("http://host:port"); when the
/// endpoint is this silo's own, tensors are handed over in memory through the same calls.
/// </summary>
/// <remarks>
/// Remote failures surface as <see cref="Grpc.Core.RpcException"/>, and so do the local ones of the same calls, with
/// the status a remote call would have: NotFound (no such key), ResourceExhausted (store budget, not retried),
/// Unauthenticated / PermissionDenied (cluster secret), InvalidArgument / DataLoss (corrupt chunks), Unavailable
/// (unreachable after retries, or circuit open), DeadlineExceeded (DataPlane:CallTimeout).
/// </remarks>
public interface ITensorExchange
{
    /// <summary>This silo's data-plane address, as other silos reach it.</summary>
    string LocalEndpoint { get; }

    /// <summary>
    /// Stores a tensor in this silo's store (e.g. the coordinator publishing parameters of a version); a key that is
    /// already stored is left as it is. Throws <see cref="TensorStoreFullException"/> beyond DataPlane:MaxStoreBytes.
    /// </summary>
    void PutLocal(TensorKey key, TensorPayload payload);

    /// <summary>Sends a tensor to the store of the silo at <paramref name="endpoint"/>; idempotent by key.</summary>
    Task PushAsync(string endpoint, TensorKey key, TensorPayload payload, CancellationToken cancellation = default);

    /// <summary>
    /// Fetches a tensor from the silo at <paramref name="endpoint"/>. Parameters are kept in this silo's store once
    /// pulled, and concurrent pulls of one key share one transfer, so workers on one silo share one copy per version.
    /// </summary>
    Task<TensorPayload> PullAsync(string endpoint, TensorKey key, CancellationToken cancellation = default);

    /// <summary>Removes and returns a tensor of this silo's store (e.g. the coordinator consuming a gradient).</summary>
    bool TryTakeLocal(TensorKey key, out TensorPayload? payload);

    /// <summary>Drops every tensor of a job older than the given parameter version (keeps it and the one before).</summary>
    void Retire(string job, long currentVersion);

    /// <summary>Drops every tensor of a job (job finished or cancelled).</summary>
    void ReleaseJob(string job);
}
