using System.ComponentModel.DataAnnotations;
using DistGen.Grains.Hosting;

namespace DistGen.Grains.Jobs;

/// <summary>Where coordinators write their jobs' run folders (section "Artifacts").</summary>
/// <remarks>The round settings once lived here; a silo still given them would silently ignore them.</remarks>
[RenamedSetting("RoundTimeout", RoundOptions.SectionName, nameof(RoundOptions.Timeout))]
[RenamedSetting("RoundAttempts", RoundOptions.SectionName, nameof(RoundOptions.Attempts))]
[RenamedSetting("RoundRetryDelay", RoundOptions.SectionName, nameof(RoundOptions.RetryDelay))]
public sealed class JobArtifactsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Artifacts";

    /// <summary>Root folder; each job writes into Root/&lt;job-id&gt;/.</summary>
    [Required(ErrorMessage = "set it to a folder for job run folders, e.g. runs.")]
    public string Root { get; set; } = "runs";
}
