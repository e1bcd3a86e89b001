using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Grains.DataPlane;

/// <summary>What the runs check on every tensor they receive (and the split GAN on every tensor it sends), refusing a bad one by name.</summary>
public static class TensorCheck
{
    /// <summary>A float32 tensor with finite values as a payload; anything else is refused.</summary>
    public static TensorPayload Outgoing(Tensor tensor, string what)
    {
        if (tensor.dtype != ScalarType.Float32)
            throw Refuse("dtype", $"refused {what}: element type {tensor.dtype}, expected Float32");
        TensorPayload payload;
        using (NewDisposeScope())
        {
            var cpu = tensor.detach().cpu().contiguous();
            payload = new TensorPayload(cpu.shape, cpu.data<float>().ToArray());
        }
        CheckFinite(payload, what);
        return payload;
    }

    /// <summary>A received payload of exactly <paramref name="shape"/> with finite values; anything else is refused.</summary>
    public static TensorPayload Incoming(TensorPayload payload, long[] shape, string what)
    {
        if (!payload.Shape.SequenceEqual(shape) || payload.Data.Length != shape.Aggregate(1L, (a, b) => a * b))
            throw Refuse("shape", $"refused {what}: shape {Describe(payload.Shape)} with {payload.Data.Length} values, expected {Describe(shape)}");
        CheckFinite(payload, what);
        return payload;
    }

    private static void CheckFinite(TensorPayload payload, string what)
    {
        int bad = FiniteValues.FirstNonFinite(payload.Data);
        if (bad >= 0) throw Refuse("not_finite", $"refused {what}: value {bad} is {payload.Data[bad]} (not finite)");
    }

    /// <summary>A refusal, counted by its reason (<see cref="Metrics.DataPlaneMeter"/>).</summary>
    public static RefusedTensorException Refuse(string reason, string message)
    {
        Metrics.DataPlaneMeter.RefusedTensor(reason);
        return new RefusedTensorException(message);
    }

    private static string Describe(long[] shape) => $"[{string.Join(", ", shape)}]";
}
