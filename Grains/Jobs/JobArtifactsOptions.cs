namespace DistGen.Grains.Jobs;

/// <summary>Where coordinators write their jobs' run folders, and how those are downloaded (section "Artifacts").</summary>
public sealed class JobArtifactsOptions
{
    /// <summary>Root folder; each job writes into Root/&lt;job-id&gt;/.</summary>
    public string Root { get; set; } = "runs";

    /// <summary>Bytes per message when the data plane streams an artifact to <c>distgen fetch</c> (4 KiB to 4 MiB).</summary>
    public int DownloadChunkBytes { get; set; } = 1 << 20;

    /// <summary>How long the download tickets of a manifest (<c>GetArtifacts</c>) stay valid.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The largest <see cref="DownloadChunkBytes"/>: what a client must be ready to receive in one message.</summary>
    public const int MaxDownloadChunkBytes = 4 << 20;
}
