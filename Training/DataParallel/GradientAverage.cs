using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DistGen.Training.Core;

namespace DistGen.Training.DataParallel;

/// <summary>
/// The coordinator's reduction: the mean of the workers' flattened gradients. Workers hold equal row counts, so the
/// mean of their per-row means is the global batch's mean gradient. Summed in double precision in worker order for
/// reproducibility, then rounded once to float32. An added tensor may be the sum of a group of workers' gradients
/// (<see cref="GradientGroups"/>); it then counts as that many workers. The mean of one worker's gradient is that gradient
/// itself, so with one worker nothing is summed or copied. Reusable across rounds (<see cref="Reset"/>), so a job
/// allocates its buffers once.
/// </summary>
public sealed class GradientAverage(int length)
{
    private double[]? _sum;
    private float[]? _mean;
    private ReadOnlyMemory<float> _first;
    private int _count;
    private int _workers;

    /// <summary>Tensors added.</summary>
    public int Count => _count;

    /// <summary>Workers whose gradients the added tensors hold.</summary>
    public int Workers => _workers;

    /// <summary>Values per gradient.</summary>
    public int Length => length;

    /// <summary>
    /// Adds a worker's gradient, or the sum of <paramref name="workers"/> workers' gradients; the caller leaves
    /// <paramref name="gradient"/> unchanged until the mean is read.
    /// </summary>
    public void Add(ReadOnlyMemory<float> gradient, int workers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var values = gradient.Span;
        if (values.Length != length)
            throw new ArgumentException($"a gradient of {values.Length} values does not fit the model's {length} parameters");
        if (!FiniteValues.All(values)) throw new ArgumentException("a gradient holds a non-finite value (NaN or infinity)");
        if (_count == 0) _first = gradient;
        else
        {
            var sum = _sum ??= new double[length];
            // The first gradient is summed only once a second one arrives.
            if (_count == 1) Widen(_first.Span, sum);
            Accumulate(values, sum);
        }
        _count++;
        _workers += workers;
    }

    /// <summary>The mean of the gradients added since the last <see cref="Reset"/>; valid until the next change.</summary>
    public ReadOnlySpan<float> Mean()
    {
        if (_count == 0) throw new InvalidOperationException("no gradient was added");
        if (_count == 1 && _workers == 1) return _first.Span;
        var mean = _mean ??= new float[length];
        Divide(Summed(), _workers, mean);
        return mean;
    }

    /// <summary>The sum of the added tensors, rounded once to float32, in a new array.</summary>
    public float[] Sum()
    {
        if (_count == 0) throw new InvalidOperationException("no gradient was added");
        var sum = new float[length];
        Divide(Summed(), 1, sum);
        return sum;
    }

    // The double sum; a single tensor is widened into it on demand.
    private double[] Summed()
    {
        var sum = _sum ??= new double[length];
        if (_count == 1) Widen(_first.Span, sum);
        return sum;
    }

    /// <summary>Forgets the added gradients (keeps the buffers) for the next round.</summary>
    public void Reset()
    {
        _first = default;
        _count = 0;
        _workers = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Widen(ReadOnlySpan<float> values, Span<double> sum)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Create(values.Slice(i, Vector256<float>.Count)));
            lower.CopyTo(sum[i..]);
            upper.CopyTo(sum[(i + Vector256<double>.Count)..]);
        }
        for (; i < values.Length; i++) sum[i] = values[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate(ReadOnlySpan<float> values, Span<double> sum)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Create(values.Slice(i, Vector256<float>.Count)));
            (Vector256.Create(sum.Slice(i, Vector256<double>.Count)) + lower).CopyTo(sum[i..]);
            var high = sum[(i + Vector256<double>.Count)..];
            (Vector256.Create(high[..Vector256<double>.Count]) + upper).CopyTo(high);
        }
        for (; i < values.Length; i++) sum[i] += values[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Divide(ReadOnlySpan<double> sum, int count, Span<float> mean)
    {
        var divisor = Vector256.Create((double)count);
        int i = 0;
        for (; i + Vector256<float>.Count <= mean.Length; i += Vector256<float>.Count)
        {
            var lower = Vector256.Create(sum.Slice(i, Vector256<double>.Count)) / divisor;
            var upper = Vector256.Create(sum.Slice(i + Vector256<double>.Count, Vector256<double>.Count)) / divisor;
            Vector256.Narrow(lower, upper).CopyTo(mean[i..]);
        }
        for (; i < mean.Length; i++) mean[i] = (float)(sum[i] / count);
    }
}
