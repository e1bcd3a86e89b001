using Grpc.Core;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Every grain call that fails with a data-plane <see cref="RpcException"/> fails instead with
/// <see cref="DataPlaneFailure"/>'s message, which Orleans can carry back to the caller (a coordinator repeating a
/// round, say) — rather than each worker grain wrapping its own data-plane calls.
/// </summary>
public sealed class DataPlaneFailureFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (RpcException e)
        {
            throw DataPlaneFailure.From(e);
        }
    }
}
