using Google.Protobuf;
using Grpc.Core;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The receiving sides of the <c>TensorExchange</c> service, bound by hand so that incoming chunks are read as
/// <see cref="ReceivedChunk"/> (pooled data) instead of the generated message. Same service, method names and wire
/// format as <c>tensor_exchange.proto</c>; the generated client talks to them unchanged.
/// </summary>
internal static class TensorExchangeMethods
{
    private static readonly string Service = Wire.TensorExchange.Descriptor.FullName;

    /// <summary>Push as the server receives it.</summary>
    public static readonly Method<ReceivedChunk, Wire.PushReply> Push =
        new(MethodType.ClientStreaming, Service, "Push", ReceivedChunk.Marshaller, MessageMarshaller(Wire.PushReply.Parser));

    /// <summary>Pull as the client receives it.</summary>
    public static readonly Method<Wire.PullRequest, ReceivedChunk> Pull =
        new(MethodType.ServerStreaming, Service, "Pull", MessageMarshaller(Wire.PullRequest.Parser), ReceivedChunk.Marshaller);

    /// <summary>Pull as the server sends it: the generated chunk message, whose data wraps the tensor's memory.</summary>
    public static readonly Method<Wire.PullRequest, Wire.TensorChunk> PullSending =
        new(MethodType.ServerStreaming, Service, "Pull", MessageMarshaller(Wire.PullRequest.Parser), MessageMarshaller(Wire.TensorChunk.Parser));

    // Serialises straight into gRPC's buffer, as the generated code does (a chunk must not pass through a new array).
    private static Marshaller<T> MessageMarshaller<T>(MessageParser<T> parser) where T : IMessage<T>, IBufferMessage =>
        Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
