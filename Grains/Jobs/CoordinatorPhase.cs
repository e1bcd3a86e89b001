namespace DistGen.Grains.Jobs;

/// <summary>
/// Where one coordinator activation stands with its job (docs/architecture.md, "The coordinator's life"). Only one
/// activation at a time may be <see cref="Starting"/> or <see cref="Running"/>: the one whose lease is in the job record.
/// </summary>
public enum CoordinatorPhase
{
    /// <summary>Holds no run: the job has not started, or ended before this activation.</summary>
    Idle,
    /// <summary>Another activation runs the job; this one answers status from the stored record.</summary>
    Mirroring,
    /// <summary>Holds the lease; loading the data, building the model, resuming from the checkpoint.</summary>
    Starting,
    /// <summary>Holds the lease; running rounds.</summary>
    Running,
    /// <summary>Deactivating: stops between rounds, checkpoints and gives the lease up for the next activation.</summary>
    HandingOver,
    /// <summary>Learned that another activation took the lease; stopped without writing anything more.</summary>
    Superseded,
    /// <summary>Recorded the job's end (succeeded, failed or cancelled).</summary>
    Ended,
}

/// <summary>The coordinator's phase and the only moves allowed between phases.</summary>
public sealed class CoordinatorPhases
{
    private static readonly Dictionary<CoordinatorPhase, CoordinatorPhase[]> Allowed = new()
    {
        [CoordinatorPhase.Idle] = [CoordinatorPhase.Mirroring, CoordinatorPhase.Starting, CoordinatorPhase.Ended],
        [CoordinatorPhase.Mirroring] = [CoordinatorPhase.Starting, CoordinatorPhase.Idle, CoordinatorPhase.Ended],
        // Starting or Running to Idle: the run could not record its end (storage down past its deadline) and left it to the next activation.
        [CoordinatorPhase.Starting] = [CoordinatorPhase.Running, CoordinatorPhase.HandingOver, CoordinatorPhase.Superseded, CoordinatorPhase.Ended, CoordinatorPhase.Idle],
        [CoordinatorPhase.Running] = [CoordinatorPhase.HandingOver, CoordinatorPhase.Superseded, CoordinatorPhase.Ended, CoordinatorPhase.Idle],
        [CoordinatorPhase.HandingOver] = [CoordinatorPhase.Idle, CoordinatorPhase.Superseded, CoordinatorPhase.Ended],
        [CoordinatorPhase.Superseded] = [CoordinatorPhase.Mirroring],
        [CoordinatorPhase.Ended] = [],
    };

    public CoordinatorPhase Current { get; private set; } = CoordinatorPhase.Idle;

    /// <summary>True while this activation holds the run (it alone may write the record and the run folder).</summary>
    public bool HoldsRun => Current is CoordinatorPhase.Starting or CoordinatorPhase.Running or CoordinatorPhase.HandingOver;

    public static bool IsAllowed(CoordinatorPhase from, CoordinatorPhase to) => Allowed[from].Contains(to);

    /// <summary>Moves to <paramref name="to"/>; a move the table does not allow is a bug and throws.</summary>
    public void MoveTo(CoordinatorPhase to)
    {
        if (Current == to) return;
        if (!IsAllowed(Current, to)) throw new InvalidOperationException($"the coordinator cannot move from {Current} to {to}");
        Current = to;
    }
}
