namespace DistGen.Contracts.Jobs;

/// <summary>A job's progress as <c>distgen status</c> and <c>distgen watch</c> show it.</summary>
[GenerateSerializer, Immutable]
public sealed record JobStatus
{
    [Id(0)] public required string JobId { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string Workload { get; init; }
    [Id(3)] public required JobState State { get; init; }
    [Id(4)] public long Round { get; init; }
    [Id(5)] public long TotalRounds { get; init; }
    [Id(6)] public int Workers { get; init; }
    /// <summary>Latest metrics of the job (loss, samples_per_s, quality figures).</summary>
    [Id(7)] public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    [Id(8)] public string? Message { get; init; }
    [Id(9)] public DateTimeOffset SubmittedAt { get; init; }
    [Id(10)] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Silo that hosts the coordinator (and the job's artifacts).</summary>
    [Id(11)] public string? CoordinatorSilo { get; init; }
    /// <summary>Silos whose workers computed the latest round.</summary>
    [Id(12)] public IReadOnlyList<string> WorkerSilos { get; init; } = [];
    /// <summary>How many times another coordinator activation took the run over (its silo left or died).</summary>
    [Id(13)] public int Takeovers { get; init; }
    /// <summary>The round the latest takeover continued from: its checkpoint's round, 0 when it had to start over.</summary>
    [Id(14)] public long? ContinuedFromRound { get; init; }
    /// <summary>What a running job waits for before its next round, e.g. "labels" (a person ranking completions); null when it is not waiting.</summary>
    [Id(15)] public string? WaitingFor { get; init; }
    /// <summary>Each member's silo and device, as each reported it when it last activated, in member order.</summary>
    [Id(16)] public IReadOnlyList<MemberDevice> Members { get; init; } = [];
    /// <summary>The device the coordinator's learner runs on ("cpu" where its silo has no accelerator).</summary>
    [Id(17)] public string? CoordinatorDevice { get; init; }
    /// <summary>When the job began running (its submission, for the registry admits at once): ETAs are measured from here.</summary>
    [Id(18)] public DateTimeOffset? StartedAt { get; init; }
    /// <summary>Round attempts (or GAN substeps) that failed, over the whole job: each was repeated, but a last one may have ended the job.</summary>
    [Id(19)] public long RepeatedAttempts { get; init; }
    /// <summary>Of those, the ones failed by a tensor a member refused (wrong shape or type, not finite).</summary>
    [Id(20)] public long RefusedTensors { get; init; }
    /// <summary>The job's page on its coordinator's silo (<c>/jobs/ID</c> on the HTTP port), or null when that silo serves no HTTP.</summary>
    [Id(21)] public string? Page { get; init; }

    /// <summary>The state as the console shows it: "waiting-for-labels" while a running job waits for labels, else the state in lower case.</summary>
    public string StateName => State == JobState.Running && WaitingFor is { } what ? $"waiting-for-{what}" : State.ToString().ToLowerInvariant();

    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}
