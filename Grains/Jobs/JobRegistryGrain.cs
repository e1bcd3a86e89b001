using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Specs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace DistGen.Grains.Jobs;

/// <summary>
/// The cluster's job registry: validates specs before any work starts, names jobs, starts their coordinators, lists
/// them. Its list is written with retries while storage is unreachable, up to Coordinator:CallOutageDeadline; a job that
/// was started but could not be listed is cancelled and the submission fails with <see cref="StorageOutageException"/>,
/// so a failed submission leaves nothing running.
/// </summary>
public sealed class JobRegistryGrain([PersistentState("registry", "jobs")] IPersistentState<JobList> jobs, IClusterMembershipService membership,
    IOptions<CoordinatorOptions> coordinator, IOptions<JobArtifactsOptions> artifacts, ILogger<JobRegistryGrain> logger)
    : Grain, IJobRegistryGrain
{
    private StorageRetry? _retry;

    private StorageRetry Retry => _retry ??= new StorageRetry("job registry", coordinator.Value.CallOutageDeadline, "Coordinator:CallOutageDeadline", logger);

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
        var (resolved, notStartable) = await StartingJob.ResolveAsync(job, specJson, jobs.State.Ids, GrainFactory, artifacts.Value.Root);
        if (notStartable is not null) return new SubmitResult { Errors = [notStartable] };
        specJson = resolved!;
        if (await AcceleratorAdmission.RefusalAsync(job.Spec.Cluster, job.Spec.Workload, GrainFactory) is { } refusal) return new SubmitResult { Errors = [refusal] };
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        specJson = GradientGroupChoice.Resolve(job, specJson, active.Count);
        if (await MemoryAdmission.RefusalAsync(job, GrainFactory, active) is { } tooLarge) return new SubmitResult { Errors = [tooLarge] };
        var now = DateTimeOffset.UtcNow;
        for (int attempt = 1; ; attempt++)
        {
            var id = JobIds.New(job.Spec.Name, now);
            var started = GrainFactory.GetGrain<IJobCoordinatorGrain>(id);
            try
            {
                await started.Start(specJson, now);
            }
            catch (JobIdTakenException) when (attempt < 5)
            {
                // Another job has this id (48 random bits make that all but impossible): pick another, never drop this one.
                continue;
            }
            try
            {
                await ListAsync(id);
            }
            catch (StorageOutageException)
            {
                jobs.State.Ids.Remove(id);
                await CancelUnlisted(started, id);
                throw;
            }
            return new SubmitResult { JobId = id };
        }
    }

    // Adds the job to the stored list. A conflict means an earlier write of ours landed after all (the registry is the
    // list's one writer): the list is read again and the id added if it is still missing.
    private async Task ListAsync(string id)
    {
        for (int conflicts = 0; ; conflicts++)
        {
            if (!jobs.State.Ids.Contains(id)) jobs.State.Ids.Add(id);
            try
            {
                await Retry.RunAsync($"list job {id}", _ => jobs.WriteStateAsync());
                return;
            }
            catch (InconsistentStateException) when (conflicts < 3)
            {
                await Retry.RunAsync("read the job list", _ => jobs.ReadStateAsync());
            }
        }
    }

    // The submission fails, so nothing of it may go on running unlisted.
    private async Task CancelUnlisted(IJobCoordinatorGrain job, string id)
    {
        try
        {
            await job.Cancel();
            logger.LogWarning("job {Job}: cancelled, since the registry could not list it", id);
        }
        catch (Exception e)
        {
            logger.LogError("job {Job}: started but could neither be listed nor cancelled ({Error}); cancel it with distgen cancel", id, e.GetBaseException().Message);
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
