namespace DistGen.Contracts.Jobs;

/// <summary>
/// One file of a job's run folder (metrics.csv, loss.png, samples, checkpoint.bin, summary.json) as a manifest lists it:
/// its name, size and SHA-256 (lowercase hex), and the ticket that downloads exactly this file of this job from the
/// data plane for a short while. The bytes themselves never travel in a grain call.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobArtifact(
    [property: Id(0)] string FileName,
    [property: Id(1)] long Size,
    [property: Id(2)] string Sha256,
    [property: Id(3)] string Ticket);
