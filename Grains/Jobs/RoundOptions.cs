namespace DistGen.Grains.Jobs;

/// <summary>How a coordinator bounds and repeats its rounds (section "Rounds"), for every workload family.</summary>
public sealed class RoundOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Rounds";

    /// <summary>How long a round may take before it is retried (workers lost with their silo are reactivated elsewhere).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of one round before the job fails (a silo leaving refuses calls for a few seconds while it drains).</summary>
    public int Attempts { get; set; } = 8;

    /// <summary>Wait before the first repeat of a failed round; doubles with jitter on each further repeat, up to 10 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
