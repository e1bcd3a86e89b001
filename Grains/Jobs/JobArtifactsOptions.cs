using System.ComponentModel.DataAnnotations;
using DistGen.Grains.Hosting;

namespace DistGen.Grains.Jobs;

/// <summary>Where coordinators write their jobs' run folders, and how those are downloaded (section "Artifacts").</summary>
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

    /// <summary>Bytes per message when the data plane streams an artifact to <c>distgen fetch</c> (4 KiB to 4 MiB).</summary>
    [Range(4096, MaxDownloadChunkBytes, ErrorMessage = "use 4096 to 4194304 bytes, e.g. 1048576.")]
    public int DownloadChunkBytes { get; set; } = 1 << 20;

    /// <summary>How long the download tickets of a manifest (<c>GetArtifacts</c>) stay valid.</summary>
    [TimeSpanRange("00:00:10", "1.00:00:00", ErrorMessage = "use 00:00:10 to 1.00:00:00, e.g. 00:15:00.")]
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The largest <see cref="DownloadChunkBytes"/>: what a client must be ready to receive in one message.</summary>
    public const int MaxDownloadChunkBytes = 4 << 20;
}
