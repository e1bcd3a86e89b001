using DistGen.Contracts.Jobs;

namespace DistGen.Grains.Sweeps;

/// <summary>A sweep's persisted state: its document, where each member is, and the table once it has ended.</summary>
[GenerateSerializer]
public sealed class SweepRecord
{
    [Id(0)] public string SpecJson { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Workload { get; set; } = "";
    [Id(3)] public string Parameter { get; set; } = "";
    [Id(4)] public int MaxConcurrentJobs { get; set; }
    [Id(5)] public DateTimeOffset SubmittedAt { get; set; }
    [Id(6)] public JobState State { get; set; } = JobState.Running;
    [Id(7)] public string? Message { get; set; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Set by a cancel: no member starts any more, and the running ones are cancelled.</summary>
    [Id(9)] public bool CancelRequested { get; set; }
    [Id(10)] public List<SweepMemberRecord> Members { get; set; } = [];
    /// <summary>The silo whose activation runs the sweep; another one that finds the sweep running takes it over.</summary>
    [Id(11)] public string? Silo { get; set; }
    [Id(12)] public int Takeovers { get; set; }
    /// <summary>The table in Markdown, once the sweep has ended (also in the sweep's folder).</summary>
    [Id(13)] public string? Table { get; set; }
    [Id(14)] public Dictionary<string, double> Mean { get; set; } = new();
    /// <summary>The folder holding sweep.md, sweep.csv, summary.json and spec.json, on <see cref="Silo"/> when it ended.</summary>
    [Id(15)] public string? Folder { get; set; }
    /// <summary>When the cancel was recorded: a member caught starting is given a grain call's time to appear before it counts as never started.</summary>
    [Id(16)] public DateTimeOffset? CancelledAt { get; set; }
}

/// <summary>Where one member of a sweep is.</summary>
public enum SweepMemberPhase
{
    /// <summary>Not started yet: waiting for a free place under the sweep's limit.</summary>
    Queued,
    /// <summary>Asked of the registry; asked again after a takeover until the registry has answered.</summary>
    Starting,
    /// <summary>Its job runs.</summary>
    Started,
    /// <summary>Its job ended, or the registry refused it, or the sweep was cancelled before it started.</summary>
    Ended,
}

/// <summary>One member job of a sweep as the sweep keeps it.</summary>
[GenerateSerializer]
public sealed class SweepMemberRecord
{
    [Id(0)] public int Index { get; set; }
    [Id(1)] public string Label { get; set; } = "";
    /// <summary>Chosen by the sweep ("{sweepId}-{index}"), so asking the registry twice can never start two jobs.</summary>
    [Id(2)] public string JobId { get; set; } = "";
    [Id(3)] public string SpecJson { get; set; } = "";
    [Id(4)] public SweepMemberPhase Phase { get; set; }
    /// <summary>How it ended: succeeded, failed, cancelled or refused.</summary>
    [Id(5)] public string? EndState { get; set; }
    [Id(6)] public Dictionary<string, double> Metrics { get; set; } = new();
    [Id(7)] public string? Message { get; set; }
    [Id(8)] public List<string> Silos { get; set; } = [];
    [Id(9)] public long Round { get; set; }
    [Id(10)] public long TotalRounds { get; set; }
    /// <summary>Whether the registry was ever asked to start it (only then may a job of its id exist).</summary>
    [Id(11)] public bool Submitted { get; set; }

    /// <summary>Its job's id, shown only when a job may exist: asked of the registry and not refused.</summary>
    public string? ShownJobId => Submitted && EndState != "refused" ? JobId : null;
}
