namespace DistGen.Grains.Jobs;

/// <summary>What the next takeover of an orphaned run may do: how many takeovers in a row it makes, whether it is one too many, and how long it waits.</summary>
public readonly record struct TakeoverDecision(int InARow, bool Refused, TimeSpan Delay);

/// <summary>
/// Limits takeovers so a job that crashes every silo it lands on (memory, a data set missing) ends instead of moving
/// from silo to silo: takeovers count in a row while no round completes in between; each waits longer
/// (Coordinator:TakeoverDelay, doubling up to Coordinator:MaxTakeoverDelay), and the one past
/// Coordinator:MaxTakeoversWithoutProgress is refused and fails the job. A run that makes progress starts counting afresh.
/// A run its runner handed over (the record names no runner: its silo drained, or Orleans moved the coordinator) is taken
/// at once, without the wait, but still counts: a job that makes its silos restart cleanly again and again (a liveness
/// probe, an eviction) must end too.
/// </summary>
public static class TakeoverPolicy
{
    public static TakeoverDecision Next(JobRecord record, CoordinatorOptions options)
    {
        int inARow = record.Round > record.RoundAtLastTakeover ? 1 : record.TakeoversWithoutProgress + 1;
        var delay = record.RunnerSilo is null ? TimeSpan.Zero : options.DelayBeforeTakeover(inARow);
        return new TakeoverDecision(inARow, inARow > options.MaxTakeoversWithoutProgress, delay);
    }
}
