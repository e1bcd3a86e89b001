using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DistGen.Training.Core;

/// <summary>
/// Flattens a module's parameters (or their gradients) into one contiguous float32 buffer and back:
/// the unit the data plane moves. Order is <c>module.parameters()</c> order, which is deterministic.
/// A contiguous float32 CPU tensor is copied in one block from or into its own memory (the per-round cost of a
/// data-parallel job is mostly these copies); other tensors go through libtorch.
/// </summary>
public static class ParameterVector
{
    public static long Count(IEnumerable<Parameter> parameters) => parameters.Sum(p => p.numel());

    /// <summary>Copies every parameter's values into a new float32 array.</summary>
    public static float[] Flatten(IEnumerable<Parameter> parameters)
    {
        var list = parameters.ToList();
        var result = GC.AllocateUninitializedArray<float>(checked((int)list.Sum(p => p.numel())));
        FlattenInto(list, result);
        return result;
    }

    /// <summary>Copies every parameter's values into <paramref name="destination"/> (exactly their number of values).</summary>
    public static void FlattenInto(IEnumerable<Parameter> parameters, Span<float> destination) =>
        Gather(parameters.Select(p => (Tensor)p).ToList(), destination);

    /// <summary>Copies every parameter's gradient into a new float32 array (zeros where a parameter has no gradient).</summary>
    public static float[] FlattenGradients(IEnumerable<Parameter> parameters)
    {
        var list = parameters.ToList();
        var result = GC.AllocateUninitializedArray<float>(checked((int)list.Sum(p => p.numel())));
        FlattenGradientsInto(list, result);
        return result;
    }

    /// <summary>Copies every parameter's gradient into <paramref name="destination"/> (zeros where there is none).</summary>
    public static void FlattenGradientsInto(IEnumerable<Parameter> parameters, Span<float> destination)
    {
        using var scope = NewDisposeScope();
        Gather(parameters.Select(p => p.grad ?? zeros_like(p)).ToList(), destination);
    }

    /// <summary>Writes <paramref name="values"/> into the parameters, in place, without recording autograd history.</summary>
    public static void Assign(IEnumerable<Parameter> parameters, ReadOnlySpan<float> values)
    {
        var list = parameters.ToList();
        CheckLength(list, values);
        using var noGrad = no_grad();
        long offset = 0;
        foreach (var p in list)
        {
            int n = (int)p.numel();
            Write(p, values.Slice((int)offset, n));
            offset += n;
        }
    }

    /// <summary>Writes <paramref name="values"/> into the parameters' gradients (allocating them when absent).</summary>
    public static void AssignGradients(IEnumerable<Parameter> parameters, ReadOnlySpan<float> values)
    {
        var list = parameters.ToList();
        CheckLength(list, values);
        using var noGrad = no_grad();
        // Disposes the handles p.grad returns (the gradients themselves stay with their parameters).
        using var scope = NewDisposeScope();
        long offset = 0;
        foreach (var p in list)
        {
            int n = (int)p.numel();
            if (p.grad is null) p.grad = zeros_like(p);
            Write(p.grad, values.Slice((int)offset, n));
            offset += n;
        }
    }

    private static void CheckLength(List<Parameter> parameters, ReadOnlySpan<float> values)
    {
        long total = parameters.Sum(p => p.numel());
        if (values.Length != total)
            throw new ArgumentException($"buffer holds {values.Length} floats but the parameters need {total}");
    }

    private static void Gather(List<Tensor> tensors, Span<float> destination)
    {
        long total = tensors.Sum(t => t.numel());
        if (destination.Length != total)
            throw new ArgumentException($"buffer holds {destination.Length} floats but the tensors have {total}");
        int offset = 0;
        foreach (var t in tensors)
        {
            int n = (int)t.numel();
            var target = destination.Slice(offset, n);
            if (IsPlainCpuFloat(t))
            {
                MemoryMarshal.Cast<byte, float>(t.bytes).CopyTo(target);
            }
            else
            {
                using var scope = NewDisposeScope();
                MemoryMarshal.Cast<byte, float>(t.detach().to(ScalarType.Float32).cpu().contiguous().bytes).CopyTo(target);
            }
            offset += n;
        }
    }

    /// <summary>Copies values into a tensor in place (the caller holds <c>no_grad</c>).</summary>
    private static void Write(Tensor target, ReadOnlySpan<float> values)
    {
        if (IsPlainCpuFloat(target))
        {
            values.CopyTo(MemoryMarshal.Cast<byte, float>(target.bytes));
            return;
        }
        using var scope = NewDisposeScope();
        target.copy_(tensor(values.ToArray(), target.shape, ScalarType.Float32).to(target.device));
    }

    // Contiguous float32 on the CPU: its bytes are its values in row-major order, writable in place.
    private static bool IsPlainCpuFloat(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();
}
