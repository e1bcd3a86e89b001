using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace DistGen.Grains.Jobs;

/// <summary>
/// One job's coordinator: owns the model and optimizer (through the workload's learner), publishes each parameter
/// version on its silo's data plane, runs the rounds, averages the workers' gradients, and records status and
/// artifacts. Reentrant so status, spec and cancel calls are answered while a round is in flight.
/// </summary>
/// <remarks>
/// The run survives its activation. When Orleans deactivates the coordinator (its silo drains, or the directory
/// moves it while membership changes) the loop stops between rounds and checkpoints; when the coordinator's silo dies,
/// the last periodic checkpoint stays. The next activation anywhere (a status call, or the job's reminder within a
/// minute) takes the run over and continues from that checkpoint; the shards replay their order, so the result is the
/// same as an uninterrupted run. A lease in the persisted record, checked by the storage's ETag, keeps a superseded
/// activation from writing over the new one.
/// </remarks>
[Reentrant]
public sealed class JobCoordinatorGrain(
    [PersistentState("job", "jobs")] IPersistentState<JobRecord> record,
    JobRuntimes runtimes, ITensorExchange exchange, IOptions<JobArtifactsOptions> options,
    ILocalSiloDetails silo, IClusterMembershipService membership, ILogger<JobCoordinatorGrain> logger) : Grain, IJobCoordinatorGrain, IRemindable
{
    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);
    /// <summary>A runner on a live silo that has not written for this long is presumed gone and its run is taken over.</summary>
    private static readonly TimeSpan RunnerSilentFor = TimeSpan.FromSeconds(30);
    private const string KeepRunningReminder = "keep-running";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancel = new();
    private IGrainTimer? _timer;
    private Task? _run;
    private bool _mirror;
    private bool _resume;
    private bool _leaving;

    private string JobId => this.GetPrimaryKeyString();

    private bool IsActive => record.State.State is JobState.Running or JobState.Pending;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (record.RecordExists && IsActive) await TakeOverOrMirror();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is null || _run.IsCompleted) return;
        // Stop between rounds and checkpoint, so whichever activation comes next continues where this one stopped.
        logger.LogInformation("job {Job}: coordinator deactivating ({Reason}); stopping after a checkpoint", JobId, reason.Description);
        _leaving = true;
        await _cancel.CancelAsync();
        try
        {
            await _run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("job {Job}: the run did not stop before the deactivation deadline; it resumes from its last checkpoint", JobId);
        }
    }

    public async Task Start(string specJson, DateTimeOffset submittedAt)
    {
        if (record.RecordExists) return; // idempotent: a repeated start of a known job changes nothing
        var runtime = runtimes.Get(JobId, specJson);
        record.State = new JobRecord
        {
            SpecJson = specJson,
            SubmittedAt = submittedAt,
            State = JobState.Running,
            ArtifactsFolder = Path.GetFullPath(Path.Combine(options.Value.Root, JobId)),
            CoordinatorSilo = silo.SiloAddress.ToString(),
            RunnerSilo = silo.SiloAddress.ToParsableString(),
            HeartbeatAt = DateTimeOffset.UtcNow,
            Name = runtime.Job.Spec.Name,
            Workload = runtime.Job.Workload.Name,
            TotalRounds = runtime.Workload.Rounds,
            Workers = runtime.Workload.Workers,
        };
        await record.WriteStateAsync();
        // The reminder re-activates the coordinator if its silo dies while nobody is watching the job.
        await this.RegisterOrUpdateReminder(KeepRunningReminder, ReminderPeriod, ReminderPeriod);
        StartRunning(resume: false);
        logger.LogInformation("job {Job}: {Workload} with {Workers} workers started", JobId, runtime.Job.Workload.Name, runtime.Workload.Workers);
    }

    public Task<string> GetSpec() => Task.FromResult(record.State.SpecJson);

    public async Task<JobStatus> GetStatus()
    {
        if (_mirror)
        {
            await record.ReadStateAsync();
            if (IsActive) await TakeOverOrMirror();
        }
        // From the record alone: answering status never loads the job's data set.
        var r = record.State;
        return new JobStatus
        {
            JobId = JobId,
            Name = r.Name,
            Workload = r.Workload,
            State = r.State,
            Round = r.Round,
            TotalRounds = r.TotalRounds,
            Workers = r.Workers,
            Metrics = new Dictionary<string, double>(r.Metrics),
            Message = r.Message,
            SubmittedAt = r.SubmittedAt,
            FinishedAt = r.FinishedAt,
            CoordinatorSilo = r.CoordinatorSilo,
            WorkerSilos = r.WorkerSilos.ToList(),
            Takeovers = r.Takeovers,
            ContinuedFromRound = r.ContinuedFromRound,
        };
    }

    public async Task Cancel()
    {
        if (_mirror)
            throw new InvalidOperationException($"job {JobId} is being run by another activation while the cluster changes; cancel again in a few seconds");
        if (IsActive)
        {
            await _cancel.CancelAsync();
            if (_run is null) await Finish(JobState.Cancelled, "cancelled before it ran");
        }
    }

    public async Task<IReadOnlyList<JobArtifact>> GetArtifacts()
    {
        var folder = record.State.ArtifactsFolder;
        if (folder is null || !Directory.Exists(folder)) return [];
        var files = Directory.GetFiles(folder).Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal);
        var artifacts = new List<JobArtifact>();
        foreach (var file in files) artifacts.Add(new JobArtifact(Path.GetFileName(file), await File.ReadAllBytesAsync(file)));
        return artifacts;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Being activated by the tick already took the run over (OnActivateAsync); what is left is cleaning up.
        if (!record.RecordExists || !IsActive)
        {
            await ForgetReminder();
            return;
        }
        if (_mirror)
        {
            await record.ReadStateAsync();
            if (IsActive) await TakeOverOrMirror();
        }
    }

    /// <summary>
    /// Decides, for an activation that finds its job mid-run, whether another activation is still running it (then
    /// this one only mirrors the record) or the run is orphaned (then this one claims it and continues it).
    /// </summary>
    private async Task TakeOverOrMirror()
    {
        // A runner on a silo that is still up (running, or draining and about to hand over) and that wrote recently
        // is left alone; a runner that handed over (no runner), died with its silo or fell silent is replaced.
        if (record.State.RunnerSilo is { } runner && runner != silo.SiloAddress.ToParsableString()
            && membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(runner))
                is SiloStatus.Created or SiloStatus.Joining or SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Stopping
            && DateTimeOffset.UtcNow - (record.State.HeartbeatAt ?? DateTimeOffset.MinValue) < RunnerSilentFor)
        {
            _mirror = true;
            return;
        }
        record.State.RunnerSilo = silo.SiloAddress.ToParsableString();
        record.State.CoordinatorSilo = silo.SiloAddress.ToString();
        record.State.HeartbeatAt = DateTimeOffset.UtcNow;
        record.State.Lease++;
        record.State.Takeovers++;
        try
        {
            await record.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation claimed it first (or is still writing): follow its record.
            await record.ReadStateAsync();
            _mirror = true;
            return;
        }
        _mirror = false;
        logger.LogWarning("job {Job}: taking the run over on {Silo} after round {Round} (takeover {Count})", JobId, silo.SiloAddress, record.State.Round, record.State.Takeovers);
        await this.RegisterOrUpdateReminder(KeepRunningReminder, ReminderPeriod, ReminderPeriod);
        StartRunning(resume: true);
    }

    private void StartRunning(bool resume)
    {
        _resume = resume;
        // The rounds run outside any grain call, so the call that starts them returns at once and a deactivation is
        // not held up waiting for a call that lasts the whole job (it reaches OnDeactivateAsync, which stops them).
        // The timer's ticks count as activity (KeepAlive), so an unwatched long job is never collected as idle.
        _timer = this.RegisterGrainTimer(KeepRunning, new GrainTimerCreationOptions(TimeSpan.Zero, KeepAlivePeriod) { Interleave = true, KeepAlive = true });
    }

    private Task KeepRunning(CancellationToken _)
    {
        if (IsActive) _run ??= RunJob();
        return Task.CompletedTask;
    }

    private async Task RunJob()
    {
        var runtime = runtimes.Get(JobId, record.State.SpecJson);
        var (job, workload) = (runtime.Job, runtime.Workload);
        var device = ComputeDevice.Parse(job.Spec.Cluster.Device);
        var context = new RunContext(record.State.ArtifactsFolder!, job.Spec.Seed, device, null, _cancel.Token);
        Directory.CreateDirectory(context.OutputDirectory);
        if (!_resume) await File.WriteAllTextAsync(context.PathOf("spec.json"), record.State.SpecJson);
        var clock = Stopwatch.StartNew();
        using var run = runtime.Family.CreateRun(new JobRunContext(JobId, job, workload, context, GrainFactory, exchange, options.Value, logger));
        long completed = 0;
        bool ended = false;
        try
        {
            completed = await run.StartAsync(_resume);
            if (_resume)
            {
                record.State.Round = completed;
                record.State.ContinuedFromRound = completed;
                record.State.Message = completed > 0 ? $"continued from the checkpoint of round {completed}" : "started over: no checkpoint was written yet";
                logger.LogWarning("job {Job}: {Message}", JobId, record.State.Message);
                await SaveProgress();
            }
            var saved = Stopwatch.StartNew();
            for (long r = completed + 1; r <= workload.Rounds; r++)
            {
                _cancel.Token.ThrowIfCancellationRequested();
                var report = await run.RunRoundAsync(r, _cancel.Token);
                if (workload.CheckpointEvery > 0 && r % workload.CheckpointEvery == 0) await run.CheckpointAsync(r);
                completed = r;
                record.State.Round = r;
                // Figures measured only every N rounds come as NaN in between: keep their last measured value.
                foreach (var (name, value) in report.Metrics)
                    if (double.IsFinite(value) || !record.State.Metrics.ContainsKey(name)) record.State.Metrics[name] = value;
                record.State.WorkerSilos = report.WorkerSilos.ToList();
                // Persist progress now and then, so status answered from storage (after a silo change) moves on too.
                if (saved.Elapsed >= SaveEvery)
                {
                    await SaveProgress();
                    saved.Restart();
                }
            }
            var summary = await run.FinishAsync(clock.Elapsed.TotalSeconds);
            foreach (var (name, value) in summary.Figures) record.State.Metrics[name] = value;
            ended = await Finish(JobState.Succeeded, $"done in {summary.WallSeconds:F1} s");
        }
        catch (OperationCanceledException) when (_leaving)
        {
            // Rounds observe cancellation only before they change the model, so it is exactly that of the last completed round.
            if (completed > 0) await run.CheckpointAsync(completed);
            // Handing over: no runner, so the next activation takes the run at once.
            record.State.RunnerSilo = null;
            await SaveProgressIfStillRunner();
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            ended = await Finish(JobState.Cancelled, $"cancelled at round {record.State.Round}");
        }
        catch (InconsistentStateException)
        {
            logger.LogWarning("job {Job}: another activation took the run over; this one stops", JobId);
            DeactivateOnIdle();
        }
        catch (Exception e)
        {
            logger.LogError(e, "job {Job} failed", JobId);
            ended = await Finish(JobState.Failed, e.GetBaseException().Message);
        }
        finally
        {
            _timer?.Dispose();
            // Only the activation that ends the job releases what the job holds; one that hands the run over keeps it.
            if (ended)
            {
                await run.ReleaseWorkersAsync();
                runtimes.Release(JobId);
            }
        }
    }

    private async Task SaveProgress()
    {
        record.State.HeartbeatAt = DateTimeOffset.UtcNow;
        await record.WriteStateAsync();
    }

    private async Task SaveProgressIfStillRunner()
    {
        try
        {
            await SaveProgress();
        }
        catch (InconsistentStateException)
        {
            // Superseded meanwhile: the new runner's record stands.
        }
    }

    private async Task ForgetReminder()
    {
        try
        {
            if (await this.GetReminder(KeepRunningReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e)
        {
            // A reminder left behind only re-activates a finished job, which then forgets it again.
            logger.LogWarning(e, "job {Job}: could not remove its reminder", JobId);
        }
    }

    /// <summary>Records the job's end; false when another activation had taken the run over (its record stands).</summary>
    private async Task<bool> Finish(JobState state, string message)
    {
        record.State.State = state;
        record.State.Message = message;
        record.State.FinishedAt = DateTimeOffset.UtcNow;
        try
        {
            await SaveProgress();
        }
        catch (InconsistentStateException)
        {
            logger.LogWarning("job {Job}: another activation took the run over before it ended here; its record stands", JobId);
            await record.ReadStateAsync();
            return false;
        }
        await ForgetReminder();
        logger.LogInformation("job {Job}: {State} ({Message})", JobId, state, message);
        return true;
    }
}
