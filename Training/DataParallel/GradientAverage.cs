namespace DistGen.Training.DataParallel;

/// <summary>
/// The coordinator's reduction: the mean of the workers' flattened gradients. Workers hold equal row counts, so the
/// mean of their per-row means is the global batch's mean gradient. Summed in worker order for reproducibility.
/// </summary>
public sealed class GradientAverage(int length)
{
    private readonly double[] _sum = new double[length];
    private int _count;

    public int Count => _count;

    public void Add(ReadOnlySpan<float> gradient)
    {
        if (gradient.Length != _sum.Length)
            throw new ArgumentException($"a gradient of {gradient.Length} values does not fit the model's {_sum.Length} parameters");
        foreach (var v in gradient)
            if (!float.IsFinite(v)) throw new ArgumentException("a gradient holds a non-finite value (NaN or infinity)");
        for (int i = 0; i < _sum.Length; i++) _sum[i] += gradient[i];
        _count++;
    }

    public float[] Mean()
    {
        if (_count == 0) throw new InvalidOperationException("no gradient was added");
        var mean = new float[_sum.Length];
        for (int i = 0; i < mean.Length; i++) mean[i] = (float)(_sum[i] / _count);
        return mean;
    }
}
