using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Data;

/// <summary>
/// The synthetic 2-D mode-collapse benchmarks of the GAN literature (Metz et al. unrolled GAN, VEEGAN, PacGAN):
/// an equal-weight mixture of isotropic Gaussians. <see cref="Ring8"/>: 8 modes on a circle of radius 2, std 0.02.
/// <see cref="Grid25"/>: 25 modes on the grid {-4, -2, 0, 2, 4}², std 0.05.
/// </summary>
public sealed class GaussianMixture2D
{
    /// <summary>The number of generated samples the benchmark scores (PacGAN / VEEGAN use 2,500).</summary>
    public const int EvaluationSampleCount = 2_500;

    /// <summary>Short name, e.g. "ring8" or "grid25".</summary>
    public string Name { get; }

    /// <summary>The mode centres.</summary>
    public IReadOnlyList<(double X, double Y)> Modes { get; }

    /// <summary>The standard deviation of every mode, on each axis.</summary>
    public double Std { get; }

    public GaussianMixture2D(string name, IReadOnlyList<(double X, double Y)> modes, double std)
    {
        if (modes.Count == 0) throw new ArgumentException("a mixture needs at least one mode", nameof(modes));
        if (!(std > 0)) throw new ArgumentOutOfRangeException(nameof(std), std, "standard deviation must be positive");
        Name = name;
        Modes = modes.ToArray();
        Std = std;
    }

    /// <summary>8 Gaussians evenly spaced on a circle of radius 2 (the first at angle 0), std 0.02.</summary>
    public static GaussianMixture2D Ring8() =>
        new("ring8", Enumerable.Range(0, 8).Select(k => (2 * Math.Cos(k * Math.PI / 4), 2 * Math.Sin(k * Math.PI / 4))).ToArray(), 0.02);

    /// <summary>25 Gaussians centred on {-4, -2, 0, 2, 4} x {-4, -2, 0, 2, 4} (row by row), std 0.05.</summary>
    public static GaussianMixture2D Grid25() =>
        new("grid25", (from y in new[] { -4.0, -2, 0, 2, 4 } from x in new[] { -4.0, -2, 0, 2, 4 } select (x, y)).ToArray(), 0.05);

    /// <summary>The mixture called <paramref name="name"/> ("ring8" or "grid25").</summary>
    public static GaussianMixture2D Named(string name) => name switch
    {
        "ring8" => Ring8(),
        "grid25" => Grid25(),
        _ => throw new ArgumentException($"unknown mixture '{name}'; known: ring8, grid25", nameof(name)),
    };

    /// <summary>n points as float32 [n, 2]: a uniformly chosen mode plus N(0, Std²) noise on each axis.</summary>
    public Tensor Sample(int n, SplitMix64 rng, Device? device = null) =>
        tensor(SamplePoints(n, rng), [n, 2], ScalarType.Float32).PlaceOn(device);

    /// <summary>n points as interleaved x, y floats (the same stream as <see cref="Sample"/>).</summary>
    public float[] SamplePoints(int n, SplitMix64 rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var points = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            var (cx, cy) = Modes[rng.NextInt(Modes.Count)];
            // Box-Muller: r = sqrt(-2 ln u1), z0 = r cos(2π u2), z1 = r sin(2π u2); 1 - u keeps u1 in (0, 1].
            double r = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble()));
            double angle = 2 * Math.PI * rng.NextDouble();
            points[2 * i] = (float)(cx + Std * r * Math.Cos(angle));
            points[2 * i + 1] = (float)(cy + Std * r * Math.Sin(angle));
        }
        return points;
    }

    /// <summary>Scores generated points given as a [N, 2] tensor; see <see cref="Evaluate(ReadOnlySpan{float})"/>.</summary>
    public ModeQuality Evaluate(Tensor points)
    {
        if (points.dim() != 2 || points.shape[1] != 2) throw new ArgumentException($"points must be [N, 2], got [{string.Join(", ", points.shape)}]", nameof(points));
        using var cpu = points.detach().to(CPU).to_type(ScalarType.Float32).contiguous();
        return Evaluate(cpu.data<float>().ToArray());
    }

    /// <summary>
    /// Scores N generated points (interleaved x, y), PacGAN / VEEGAN style. Each point is assigned to its nearest mode
    /// (Euclidean) and is high-quality when it lies within 3·Std of that mode. With c_k the number of high-quality
    /// points of mode k and K modes, mode k is covered when c_k ≥ N / (4K), i.e. it received at least a quarter of the
    /// N/K points a perfect generator would give it (for N = 2,500: 78.125 → 79 points for the ring, 25 for the grid).
    /// HighQualityFraction = Σc_k / N. ReverseKl = KL(p_gen ‖ uniform) = Σ_k p_k ln(K p_k) with p_k = c_k / Σc_j; empty
    /// modes contribute 0 (0 ln 0 = 0) so no smoothing is needed and the value lies in [0, ln K]; with no
    /// high-quality point at all it is ln K, the value of total collapse.
    /// </summary>
    public ModeQuality Evaluate(ReadOnlySpan<float> xy)
    {
        if (xy.Length == 0 || xy.Length % 2 != 0) throw new ArgumentException($"need a non-empty even number of coordinates, got {xy.Length}", nameof(xy));
        int n = xy.Length / 2, modeCount = Modes.Count;
        var counts = new int[modeCount];
        double limitSquared = 9 * Std * Std;
        for (int i = 0; i < n; i++)
        {
            var (mode, distanceSquared) = NearestMode(xy[2 * i], xy[2 * i + 1]);
            if (distanceSquared <= limitSquared) counts[mode]++;
        }
        int highQuality = counts.Sum();
        int covered = counts.Count(c => 4.0 * modeCount * c >= n);
        double reverseKl = highQuality == 0
            ? Math.Log(modeCount)
            : counts.Where(c => c > 0).Sum(c => (double)c / highQuality * Math.Log((double)c / highQuality * modeCount));
        return new ModeQuality(covered, modeCount, (double)highQuality / n, reverseKl);
    }

    private (int Mode, double DistanceSquared) NearestMode(double x, double y)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int k = 0; k < Modes.Count; k++)
        {
            double dx = x - Modes[k].X, dy = y - Modes[k].Y, d = dx * dx + dy * dy;
            if (d < bestDistance) (best, bestDistance) = (k, d);
        }
        return (best, bestDistance);
    }
}
