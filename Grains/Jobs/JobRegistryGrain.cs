using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Specs;
using DistGen.Training.Sweeps;
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
        if (SweepSpec.IsSweep(specJson)) return await SubmitSweep(specJson);
        var (job, resolved, refused) = await PrepareAsync(specJson);
        if (refused is not null) return refused;
        var now = DateTimeOffset.UtcNow;
        for (int attempt = 1; ; attempt++)
        {
            var id = JobIds.New(job!.Spec.Name, now);
            try
            {
                return await StartAsync(id, resolved!, now);
            }
            catch (JobIdTakenException) when (attempt < 5)
            {
                // Another job has this id (48 random bits make that all but impossible): pick another, never drop this one.
            }
        }
    }

    public async Task<SubmitResult> SubmitMember(string jobId, string specJson)
    {
        var coordinator = GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId);
        // Started before (the sweep asked, then moved before it heard the answer): listed again if it was not, never started twice.
        if ((await coordinator.GetStatus()).SubmittedAt != default)
        {
            await ListAsync(jobId);
            return new SubmitResult { JobId = jobId };
        }
        var (_, resolved, refused) = await PrepareAsync(specJson);
        // A member that could not be listed is left running: its sweep asks again, and then it is listed.
        return refused ?? await StartAsync(jobId, resolved!, DateTimeOffset.UtcNow, cancelIfUnlisted: false);
    }

    // Validation, the job it starts from, and admission: everything that can refuse a job before anything of it runs.
    private async Task<(LoadedJob? Job, string? Spec, SubmitResult? Refused)> PrepareAsync(string specJson)
    {
        LoadedJob job;
        try
        {
            job = JobWorkloads.ValidateForCluster(specJson);
        }
        catch (SpecException e)
        {
            return (null, null, Refusal([.. e.Errors.Select(error => error.ToString())]));
        }
        var (resolved, refusal) = await AdmitAsync(job, specJson);
        return refusal is null ? (job, resolved, null) : (null, null, Refusal(refusal));
    }

    // The job it starts from, then admission (accelerators, memory) against what the cluster's silos offer: what can
    // refuse a valid job. Returns the spec as it will run (its start resolved, its gradient groups chosen), or the reason.
    private async Task<(string? Spec, string? Refusal)> AdmitAsync(LoadedJob job, string specJson, IReadOnlyList<SiloResources>? offers = null)
    {
        var (resolved, notStartable) = await StartingJob.ResolveAsync(job, specJson, jobs.State.Ids, GrainFactory, artifacts.Value.Root);
        if (notStartable is not null) return (null, notStartable);
        specJson = resolved!;
        if (await AcceleratorAdmission.RefusalAsync(job.Spec.Cluster, job.Spec.Workload, GrainFactory) is { } refusal) return (null, refusal);
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        specJson = GradientGroupChoice.Resolve(job, specJson, active.Count);
        offers ??= await MemoryAdmission.OffersAsync(GrainFactory, active);
        if (MemoryAdmission.RefusalAgainst(job, offers) is { } tooLarge) return (null, tooLarge);
        return (specJson, null);
    }

    private static SubmitResult Refusal(params string[] errors) => new() { Errors = errors };

    // Starts the job's coordinator under the id and lists it; a submitted job that cannot be listed is cancelled, so nothing
    // runs unlisted (a sweep's member is listed when its sweep asks again).
    private async Task<SubmitResult> StartAsync(string id, string specJson, DateTimeOffset now, bool cancelIfUnlisted = true)
    {
        var started = GrainFactory.GetGrain<IJobCoordinatorGrain>(id);
        await started.Start(specJson, now);
        try
        {
            await ListAsync(id);
        }
        catch (StorageOutageException)
        {
            jobs.State.Ids.Remove(id);
            if (cancelIfUnlisted) await CancelUnlisted(started, id);
            throw;
        }
        return new SubmitResult { JobId = id };
    }

    // A sweep is validated and admitted whole (every member spec, against what the cluster offers now: a member that
    // could never run refuses the sweep before any job starts), then its grain starts the members as the limit allows.
    private async Task<SubmitResult> SubmitSweep(string sweepJson)
    {
        SweepSpec sweep;
        try
        {
            sweep = SweepSpec.Parse(sweepJson, JobWorkloads.ValidateForCluster);
        }
        catch (SpecException e)
        {
            return Refusal([.. e.Errors.Select(error => error.ToString())]);
        }
        var refusals = new List<string>();
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        var offers = await MemoryAdmission.OffersAsync(GrainFactory, active);
        foreach (var member in sweep.Members)
            if ((await AdmitAsync(member.Job, member.SpecJson, offers)).Refusal is { } refusal) refusals.Add(sweep.ForMember(member, SpecError.Parse(refusal)).ToString());
        if (refusals.Count > 0) return Refusal([.. refusals]);
        var now = DateTimeOffset.UtcNow;
        var id = JobIds.New(sweep.Name, now);
        // Listed before it starts: a sweep that could not be listed never ran, so nothing has to be stopped (a sweep
        // busy asking this registry to start a member could not answer a cancel from it).
        await ListSweepAsync(id);
        try
        {
            await GrainFactory.GetGrain<ISweepGrain>(id).Start(sweepJson, now);
        }
        catch
        {
            jobs.State.SweepIds.Remove(id);
            await Retry.RunAsync($"unlist sweep {id}", _ => jobs.WriteStateAsync());
            throw;
        }
        return new SubmitResult { JobId = id, IsSweep = true };
    }

    private async Task ListSweepAsync(string id)
    {
        for (int conflicts = 0; ; conflicts++)
        {
            if (!jobs.State.SweepIds.Contains(id)) jobs.State.SweepIds.Add(id);
            try
            {
                await Retry.RunAsync($"list sweep {id}", _ => jobs.WriteStateAsync());
                return;
            }
            catch (InconsistentStateException) when (conflicts < 3)
            {
                await Retry.RunAsync("read the job list", _ => jobs.ReadStateAsync());
            }
            catch (StorageOutageException)
            {
                jobs.State.SweepIds.Remove(id);
                throw;
            }
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

    public async Task<IReadOnlyList<SweepStatus>> ListSweeps() =>
        await Task.WhenAll(jobs.State.SweepIds.Select(id => GrainFactory.GetGrain<ISweepGrain>(id).GetStatus()));
}

/// <summary>The registry's persisted state: every job id and sweep id, in submission order.</summary>
[GenerateSerializer]
public sealed class JobList
{
    [Id(0)] public List<string> Ids { get; set; } = [];

    /// <summary>Every sweep id, in submission order (their member jobs are in <see cref="Ids"/>).</summary>
    [Id(1)] public List<string> SweepIds { get; set; } = [];
}
