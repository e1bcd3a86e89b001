using Grpc.Core;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The server side of <c>TensorExchange</c>, bound by hand in place of the generated base class so that pushed chunks
/// arrive as <see cref="ReceivedChunk"/>. ASP.NET Core's gRPC finds <see cref="BindService"/> through the attribute and
/// maps each method to the override of the virtual method declared here, as with generated code.
/// </summary>
[BindServiceMethod(typeof(TensorExchangeServiceBase), nameof(BindService))]
public abstract class TensorExchangeServiceBase
{
    /// <summary>Receives a tensor, chunk by chunk.</summary>
    public abstract Task<Wire.PushReply> Push(IAsyncStreamReader<ReceivedChunk> requestStream, ServerCallContext context);

    /// <summary>Sends a stored tensor, chunk by chunk.</summary>
    public abstract Task Pull(Wire.PullRequest request, IServerStreamWriter<Wire.TensorChunk> responseStream, ServerCallContext context);

    /// <summary>Registers the methods with a gRPC service binder.</summary>
    public static void BindService(ServiceBinderBase binder, TensorExchangeServiceBase? service)
    {
        binder.AddMethod(TensorExchangeMethods.Push, service is null ? null : service.Push);
        binder.AddMethod(TensorExchangeMethods.PullSending, service is null ? null : service.Pull);
    }
}
