namespace DistGen.Contracts.Jobs;

/// <summary>One file of a job's run folder (metrics.csv, loss.png, samples, checkpoint.bin, summary.json).</summary>
[GenerateSerializer, Immutable]
public sealed record JobArtifact([property: Id(0)] string FileName, [property: Id(1)] byte[] Content);
