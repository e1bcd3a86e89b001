using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>Sizes and names of the wire element formats.</summary>
internal static class TensorWireFormat
{
    public static int ElementSize(Wire.DType dtype) => dtype switch
    {
        Wire.DType.Float32 => 4,
        Wire.DType.Bfloat16 => 2,
        _ => throw new MalformedTensorStreamException($"unknown dtype {(int)dtype}: this silo reads float32 (0) and bfloat16 (1)"),
    };

    /// <summary>Number of elements of a shape, or null when a dimension is negative or the tensor is too big for one array.</summary>
    public static long? ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0) return null;
            if (dim != 0 && count > Array.MaxLength / dim) return null;
            count *= dim;
        }
        return count;
    }

    public static string Describe(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
