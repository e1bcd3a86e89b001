namespace DistGen.Contracts.Jobs;

/// <summary>The answer to a submission: a job id, or every problem of the spec with its JSON path.</summary>
[GenerateSerializer, Immutable]
public sealed record SubmitResult
{
    [Id(0)] public string? JobId { get; init; }
    [Id(1)] public IReadOnlyList<string> Errors { get; init; } = [];

    public bool Accepted => JobId is not null;
}
