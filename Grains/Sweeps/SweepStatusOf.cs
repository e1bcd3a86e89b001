using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;

namespace DistGen.Grains.Sweeps;

/// <summary>A sweep's status from its record and its members' latest job statuses.</summary>
public static class SweepStatusOf
{
    /// <summary>
    /// The status of sweep <paramref name="sweepId"/>; an unknown sweep (no record) has no submission time. <paramref name="runningOn"/>
    /// is the silo of the activation answering for a sweep that runs, else the record's silo is shown.
    /// </summary>
    public static SweepStatus Record(string sweepId, SweepRecord? sweep, IReadOnlyDictionary<int, JobStatus> live, string? runningOn = null)
    {
        if (sweep is null) return new SweepStatus { SweepId = sweepId, Name = "", Workload = "", Parameter = "", State = JobState.Pending };
        return new SweepStatus
        {
            SweepId = sweepId,
            Name = sweep.Name,
            Workload = sweep.Workload,
            Parameter = sweep.Parameter,
            State = sweep.State,
            MaxConcurrentJobs = sweep.MaxConcurrentJobs,
            Members = [.. sweep.Members.Select(m => Member(m, live.GetValueOrDefault(m.Index)))],
            Message = sweep.Message ?? (sweep.CancelRequested && sweep.State == JobState.Running ? "cancelling: the running members are being cancelled" : null),
            SubmittedAt = sweep.SubmittedAt,
            FinishedAt = sweep.FinishedAt,
            Silo = runningOn ?? sweep.Silo,
            Table = sweep.Table,
            Mean = new Dictionary<string, double>(sweep.Mean),
            Takeovers = sweep.Takeovers,
        };
    }

    private static SweepMemberStatus Member(SweepMemberRecord member, JobStatus? live) => new()
    {
        Index = member.Index,
        Label = member.Label,
        JobId = member.ShownJobId,
        State = member.Phase switch
        {
            SweepMemberPhase.Queued => "queued",
            SweepMemberPhase.Starting => "starting",
            SweepMemberPhase.Started => live?.StateName ?? "running",
            _ => member.EndState ?? "ended",
        },
        Round = member.Round,
        TotalRounds = member.TotalRounds,
        Silos = [.. member.Silos],
        Metrics = new Dictionary<string, double>(member.Phase == SweepMemberPhase.Ended || live is null ? member.Metrics : live.Metrics),
        Message = member.Message,
    };
}
