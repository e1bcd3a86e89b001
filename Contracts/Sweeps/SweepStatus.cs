using DistGen.Contracts.Jobs;

namespace DistGen.Contracts.Sweeps;

/// <summary>A sweep's progress as <c>distgen status</c> and <c>distgen watch</c> show it.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepStatus
{
    [Id(0)] public required string SweepId { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string Workload { get; init; }
    /// <summary>The job field each member sets.</summary>
    [Id(3)] public required string Parameter { get; init; }
    [Id(4)] public required JobState State { get; init; }
    [Id(5)] public int MaxConcurrentJobs { get; init; }
    [Id(6)] public IReadOnlyList<SweepMemberStatus> Members { get; init; } = [];
    [Id(7)] public string? Message { get; init; }
    [Id(8)] public DateTimeOffset SubmittedAt { get; init; }
    [Id(9)] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The silo whose activation runs the sweep now.</summary>
    [Id(10)] public string? Silo { get; init; }
    /// <summary>The table of results in Markdown, once the sweep has ended.</summary>
    [Id(11)] public string? Table { get; init; }
    /// <summary>Each reported figure's mean over the members that succeeded, once the sweep has ended.</summary>
    [Id(12)] public IReadOnlyDictionary<string, double> Mean { get; init; } = new Dictionary<string, double>();
    /// <summary>How many times an activation on another silo took the sweep over (its silo left or died).</summary>
    [Id(13)] public int Takeovers { get; init; }

    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    public int Ended => Members.Count(m => m.IsFinished);

    public int Running => Members.Count(m => m.State == "running");

    public string StateName => State.ToString().ToLowerInvariant();
}

/// <summary>One member job of a sweep: "queued" until it starts, then its job's state; "refused" when the registry did not start it.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepMemberStatus
{
    [Id(0)] public int Index { get; init; }
    [Id(1)] public required string Label { get; init; }
    [Id(2)] public string? JobId { get; init; }
    [Id(3)] public required string State { get; init; }
    [Id(4)] public long Round { get; init; }
    [Id(5)] public long TotalRounds { get; init; }
    /// <summary>The job's coordinator silo and its workers' silos, as its status last said.</summary>
    [Id(6)] public IReadOnlyList<string> Silos { get; init; } = [];
    /// <summary>The job's latest figures (its summary's once it has ended).</summary>
    [Id(7)] public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    [Id(8)] public string? Message { get; init; }

    public bool IsFinished => State is "succeeded" or "failed" or "cancelled" or "refused";
}
