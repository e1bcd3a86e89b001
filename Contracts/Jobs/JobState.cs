namespace DistGen.Contracts.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
