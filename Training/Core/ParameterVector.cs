using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DistGen.Training.Core;

/// <summary>
/// Flattens a module's parameters (or their gradients) into one contiguous float32 buffer and back:
/// the unit the data plane moves. Order is <c>module.parameters()</c> order, which is deterministic.
/// </summary>
public static class ParameterVector
{
    public static long Count(IEnumerable<Parameter> parameters) => parameters.Sum(p => p.numel());

    /// <summary>Copies every parameter's values into a new float32 array.</summary>
    public static float[] Flatten(IEnumerable<Parameter> parameters) => Gather(parameters.Select(p => (Tensor)p));

    /// <summary>Copies every parameter's gradient into a new float32 array (zeros where a parameter has no gradient).</summary>
    public static float[] FlattenGradients(IEnumerable<Parameter> parameters) =>
        Gather(parameters.Select(p => p.grad ?? zeros_like(p)));

    /// <summary>Writes <paramref name="values"/> into the parameters, in place, without recording autograd history.</summary>
    public static void Assign(IEnumerable<Parameter> parameters, ReadOnlySpan<float> values) =>
        Scatter(parameters.ToList(), values, (p, t) => p.copy_(t));

    /// <summary>Writes <paramref name="values"/> into the parameters' gradients (allocating them when absent).</summary>
    public static void AssignGradients(IEnumerable<Parameter> parameters, ReadOnlySpan<float> values) =>
        Scatter(parameters.ToList(), values, (p, t) =>
        {
            if (p.grad is null) p.grad = t.clone();
            else p.grad.copy_(t);
        });

    private static float[] Gather(IEnumerable<Tensor> tensors)
    {
        var list = tensors.ToList();
        var result = new float[list.Sum(t => t.numel())];
        long offset = 0;
        using var scope = NewDisposeScope();
        foreach (var t in list)
        {
            var cpuCopy = t.detach().to(ScalarType.Float32).cpu().contiguous();
            var src = MemoryMarshal.Cast<byte, float>(cpuCopy.bytes);
            src.CopyTo(result.AsSpan((int)offset, src.Length));
            offset += src.Length;
        }
        return result;
    }

    private static void Scatter(List<Parameter> parameters, ReadOnlySpan<float> values, Action<Parameter, Tensor> write)
    {
        long total = parameters.Sum(p => p.numel());
        if (values.Length != total)
            throw new ArgumentException($"buffer holds {values.Length} floats but the parameters need {total}");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long offset = 0;
        foreach (var p in parameters)
        {
            int n = (int)p.numel();
            var chunk = tensor(values.Slice((int)offset, n).ToArray(), p.shape, ScalarType.Float32).to(p.device);
            write(p, chunk);
            offset += n;
        }
    }
}
