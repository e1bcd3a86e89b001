namespace DistGen.Contracts.Jobs;

/// <summary>The answer to a submission: a job or sweep id, or every problem of the spec with its JSON path.</summary>
[GenerateSerializer, Immutable]
public sealed record SubmitResult
{
    [Id(0)] public string? JobId { get; init; }
    [Id(1)] public IReadOnlyList<string> Errors { get; init; } = [];
    /// <summary>True when the id names a sweep (its member jobs have ids of their own), not a job.</summary>
    [Id(2)] public bool IsSweep { get; init; }

    public bool Accepted => JobId is not null;
}
