namespace DistGen.Grains.Jobs;

/// <summary>Where coordinators write their jobs' run folders (section "Artifacts").</summary>
public sealed class JobArtifactsOptions
{
    /// <summary>Root folder; each job writes into Root/&lt;job-id&gt;/.</summary>
    public string Root { get; set; } = "runs";

    /// <summary>How long a round may take before it is retried (workers lost with their silo are reactivated elsewhere).</summary>
    public TimeSpan RoundTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of one round before the job fails (a silo leaving refuses calls for a few seconds while it drains).</summary>
    public int RoundAttempts { get; set; } = 8;

    /// <summary>Wait before the first repeat of a failed round; doubles with jitter on each further repeat, up to 10 s.</summary>
    public TimeSpan RoundRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
