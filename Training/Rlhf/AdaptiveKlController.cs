namespace DistGen.Training.Rlhf;

/// <summary>
/// The KL coefficient beta of the leash: fixed, or adapted towards a target KL as Ziegler et al. (2019) do:
/// e = clip(KL / target - 1, -0.2, 0.2), beta *= 1 + e * n / horizon, after every batch of n completions.
/// </summary>
public sealed class AdaptiveKlController(double initial, double target, double horizon)
{
    private const double ErrorClip = 0.2;

    /// <summary>The current beta.</summary>
    public double Value { get; set; } = initial;

    /// <summary>Whether beta adapts (a target KL above 0) or stays at its initial value.</summary>
    public bool Adapts => target > 0;

    /// <summary>Updates beta after a batch of <paramref name="completions"/> whose mean KL was <paramref name="meanKl"/> nats.</summary>
    public void Update(double meanKl, int completions)
    {
        if (!Adapts) return;
        double error = Math.Clamp(meanKl / target - 1, -ErrorClip, ErrorClip);
        Value *= 1 + error * completions / horizon;
    }
}
