namespace DistGen.Grains.Jobs;

/// <summary>Where coordinators write their jobs' run folders (section "Artifacts").</summary>
public sealed class JobArtifactsOptions
{
    /// <summary>Root folder; each job writes into Root/&lt;job-id&gt;/.</summary>
    public string Root { get; set; } = "runs";

    /// <summary>How long a round may take before it is retried (workers lost with their silo are reactivated elsewhere).</summary>
    public TimeSpan RoundTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of one round before the job fails.</summary>
    public int RoundAttempts { get; set; } = 3;
}
