namespace DistGen.Contracts.Jobs;

/// <summary>
/// A grain that works for one job: a trainer worker, a generator or discriminator worker, a rollout actor. Key:
/// "{jobId}/{index}". The job's coordinator releases every member when the job ends.
/// </summary>
public interface IJobMemberGrain : IGrainWithStringKey
{
    /// <summary>Drops the member's replicas, environments and cached data of a finished job.</summary>
    Task Release();

    /// <summary>
    /// Leaves this silo: drops the member's replicas and deactivates, so that its next call places it anew (elastic
    /// scale-up moves members to a silo that joined). The job's data cached in the process stays for the other members.
    /// </summary>
    Task Relocate();
}
