namespace DistGen.Grains.Jobs;

/// <summary>Where coordinators write their jobs' run folders (section "Artifacts").</summary>
public sealed class JobArtifactsOptions
{
    /// <summary>Root folder; each job writes into Root/&lt;job-id&gt;/.</summary>
    public string Root { get; set; } = "runs";
}
