namespace DistGen.Grains.Jobs;

/// <summary>What the next takeover of an orphaned run may do: how many takeovers in a row it makes, whether it is one too many, and how long it waits.</summary>
public readonly record struct TakeoverDecision(int InARow, bool Refused, TimeSpan Delay);

/// <summary>
/// Limits takeovers so a job that crashes every silo it lands on (memory, a data set missing) ends instead of moving
/// from silo to silo: takeovers count in a row while no round completes in between; each waits longer
/// (Coordinator:TakeoverDelay, doubling up to Coordinator:MaxTakeoverDelay), and the one past
/// Coordinator:MaxTakeoversWithoutProgress is refused and fails the job. A run that makes progress starts counting afresh.
/// </summary>
public static class TakeoverPolicy
{
    public static TakeoverDecision Next(JobRecord record, CoordinatorOptions options)
    {
        int inARow = record.Round > record.RoundAtLastTakeover ? 1 : record.TakeoversWithoutProgress + 1;
        return new TakeoverDecision(inARow, inARow > options.MaxTakeoversWithoutProgress, options.DelayBeforeTakeover(inARow));
    }
}
