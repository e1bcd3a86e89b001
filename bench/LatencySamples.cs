using System.Diagnostics;

namespace DistGen.Bench;

/// <summary>Round trips of one call awaited one after another, after a warm-up; their percentiles in µs.</summary>
public sealed class LatencySamples
{
    private readonly double[] _sorted;

    private LatencySamples(double[] sorted) => _sorted = sorted;

    public static async Task<LatencySamples> MeasureAsync(Func<Task> call, int warmUp, int calls)
    {
        for (int i = 0; i < warmUp; i++) await call();
        var samples = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(samples);
        return new LatencySamples(samples);
    }

    public int Count => _sorted.Length;

    /// <summary>The value below which a fraction <paramref name="p"/> of the calls took.</summary>
    public double Percentile(double p) => _sorted[(int)(p * (_sorted.Length - 1))];
}
