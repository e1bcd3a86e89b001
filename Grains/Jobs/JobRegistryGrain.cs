using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>The cluster's job registry: validates specs before any work starts, names jobs, starts their coordinators.</summary>
public sealed class JobRegistryGrain([PersistentState("registry", "jobs")] IPersistentState<JobList> jobs, IClusterMembershipService membership)
    : Grain, IJobRegistryGrain
{
    public async Task<SubmitResult> Submit(string specJson)
    {
        LoadedJob job;
        try
        {
            job = JobWorkloads.ValidateForCluster(specJson);
        }
        catch (SpecException e)
        {
            return new SubmitResult { Errors = e.Errors.Select(error => error.ToString()).ToList() };
        }
        if (await AcceleratorAdmission.RefusalAsync(job.Spec.Cluster, GrainFactory) is { } refusal) return new SubmitResult { Errors = [refusal] };
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        if (await MemoryAdmission.RefusalAsync(job, GrainFactory, active) is { } tooLarge) return new SubmitResult { Errors = [tooLarge] };
        var now = DateTimeOffset.UtcNow;
        for (int attempt = 1; ; attempt++)
        {
            var id = JobIds.New(job.Spec.Name, now);
            try
            {
                await GrainFactory.GetGrain<IJobCoordinatorGrain>(id).Start(specJson, now);
            }
            catch (JobIdTakenException) when (attempt < 5)
            {
                // Another job has this id (48 random bits make that all but impossible): pick another, never drop this one.
                continue;
            }
            jobs.State.Ids.Add(id);
            await jobs.WriteStateAsync();
            return new SubmitResult { JobId = id };
        }
    }

    public async Task<IReadOnlyList<JobStatus>> List() =>
        await Task.WhenAll(jobs.State.Ids.Select(id => GrainFactory.GetGrain<IJobCoordinatorGrain>(id).GetStatus()));
}

/// <summary>The registry's persisted state: every job id, in submission order.</summary>
[GenerateSerializer]
public sealed class JobList
{
    [Id(0)] public List<string> Ids { get; set; } = [];
}
