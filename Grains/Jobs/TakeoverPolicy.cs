namespace DistGen.Grains.Jobs;

/// <summary>What the next takeover of an orphaned run may do: how many takeovers in a row it makes, whether it is one too many, and how long it waits.</summary>
public readonly record struct TakeoverDecision(int InARow, bool Refused, TimeSpan Delay);

/// <summary>
/// Limits takeovers so a job that crashes every silo it lands on (memory, a data set missing) ends instead of moving
/// from silo to silo: takeovers count in a row while no round completes in between; each waits longer
/// (Coordinator:TakeoverDelay, doubling up to Coordinator:MaxTakeoverDelay), and the one past
/// Coordinator:MaxTakeoversWithoutProgress is refused and fails the job. A run that makes progress starts counting afresh.
/// A run its runner handed over (the record names no runner: its silo drained, or Orleans moved the coordinator) is no
/// crash: it neither counts nor waits, so a rolling restart or a directory change never fails a job, even after its
/// last round.
/// </summary>
public static class TakeoverPolicy
{
    public static TakeoverDecision Next(JobRecord record, CoordinatorOptions options)
    {
        int before = record.Round > record.RoundAtLastTakeover ? 0 : record.TakeoversWithoutProgress;
        if (record.RunnerSilo is null) return new TakeoverDecision(before, false, TimeSpan.Zero);
        int inARow = before + 1;
        return new TakeoverDecision(inARow, inARow > options.MaxTakeoversWithoutProgress, options.DelayBeforeTakeover(inARow));
    }
}
