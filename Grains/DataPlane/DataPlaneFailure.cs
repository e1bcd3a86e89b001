using Grpc.Core;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Turns a data-plane <see cref="RpcException"/> into an exception a grain call can carry back to its caller: Orleans
/// has no codec for gRPC's exception type, so without this the caller would see "could not find a codec" instead of
/// what went wrong. <see cref="DataPlaneFailureFilter"/> applies it to every grain call.
/// </summary>
public static class DataPlaneFailure
{
    public static InvalidOperationException From(RpcException e) =>
        new($"data plane: {e.StatusCode}: {e.Status.Detail}");
}
