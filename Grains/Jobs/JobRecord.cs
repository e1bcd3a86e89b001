using DistGen.Contracts.Jobs;

namespace DistGen.Grains.Jobs;

/// <summary>A coordinator's persisted state: enough to answer status after its silo restarts.</summary>
[GenerateSerializer]
public sealed class JobRecord
{
    [Id(0)] public string SpecJson { get; set; } = "";
    [Id(1)] public DateTimeOffset SubmittedAt { get; set; }
    [Id(2)] public JobState State { get; set; } = JobState.Pending;
    [Id(3)] public long Round { get; set; }
    [Id(4)] public string? Message { get; set; }
    [Id(5)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(6)] public string? ArtifactsFolder { get; set; }
    [Id(7)] public string? CoordinatorSilo { get; set; }
    [Id(8)] public Dictionary<string, double> Metrics { get; set; } = new();
    [Id(9)] public List<string> WorkerSilos { get; set; } = [];
    [Id(10)] public string Name { get; set; } = "";
    [Id(11)] public string Workload { get; set; } = "";
    [Id(12)] public long TotalRounds { get; set; }
    [Id(13)] public int Workers { get; set; }
    /// <summary>The running coordinator's silo in Orleans' parsable form, to tell whether it is still alive.</summary>
    [Id(14)] public string? RunnerSilo { get; set; }
    /// <summary>
    /// The runner's lease: 1 for the first runner, bumped by every activation that takes the run over. The storage's ETag
    /// check makes only the holder's record writes land, and the run folder's lease file (<see cref="JobLeaseFence"/>)
    /// keeps every other writer out of the artifacts.
    /// </summary>
    [Id(15)] public long Lease { get; set; }
    /// <summary>When the runner last wrote its progress: a runner that has been silent for long is presumed gone.</summary>
    [Id(16)] public DateTimeOffset? HeartbeatAt { get; set; }
    /// <summary>How many times the run was taken over by a new activation and continued from its checkpoint.</summary>
    [Id(17)] public int Takeovers { get; set; }
    /// <summary>The checkpoint round the latest takeover continued from.</summary>
    [Id(18)] public long? ContinuedFromRound { get; set; }
    /// <summary>When the job was submitted: the whole job's wall time is measured from here, across takeovers.</summary>
    [Id(19)] public DateTimeOffset? StartedAt { get; set; }
    /// <summary>The round of the latest checkpoint written: a takeover that finds none (or an older one) must say so, never start over silently.</summary>
    [Id(20)] public long CheckpointRound { get; set; }
    /// <summary>Takeovers in a row without a round completed in between (a job that crashes every silo it lands on).</summary>
    [Id(21)] public int TakeoversWithoutProgress { get; set; }
    /// <summary>The round the job had reached at the latest takeover.</summary>
    [Id(22)] public long RoundAtLastTakeover { get; set; }
    /// <summary>What the run waits for before its next round (e.g. "labels"); null while it computes.</summary>
    [Id(23)] public string? WaitingFor { get; set; }

    /// <summary>Each member's silo and device, by member name.</summary>
    [Id(24)] public List<MemberDevice> Members { get; set; } = [];

    /// <summary>The device the coordinator's learner runs on.</summary>
    [Id(25)] public string? CoordinatorDevice { get; set; }

    /// <summary>Round attempts that failed, over the whole job (<see cref="Runs.RoundFaults"/>).</summary>
    [Id(26)] public long RepeatedAttempts { get; set; }

    /// <summary>Of those, the ones a refused tensor failed.</summary>
    [Id(27)] public long RefusedTensors { get; set; }
}
