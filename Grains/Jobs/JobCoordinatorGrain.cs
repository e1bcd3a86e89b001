using DistGen.Contracts.Jobs;
using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;
using DistGen.Grains.JobPages;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace DistGen.Grains.Jobs;

/// <summary>
/// One job's coordinator. Its <see cref="JobRunner"/> owns the model and optimizer (through the workload's learner), runs
/// the rounds and records progress; the grain answers status, spec, cancel and artifact calls (it is reentrant, so they
/// are answered while a round is in flight) and decides which activation runs the job (<see cref="CoordinatorPhase"/>).
/// </summary>
/// <remarks>
/// The run survives its activation. The runner holds a lease, a number in the persisted record checked by the storage's
/// ETag and written into the run folder (<see cref="JobLeaseFence"/>), and writes a heartbeat every
/// Coordinator:HeartbeatPeriod. When Orleans deactivates the coordinator (its silo drains) the runner stops between rounds,
/// checkpoints and gives the lease up; when its silo dies or freezes the heartbeat stops. The next activation anywhere
/// (a status call, or the job's reminder within a minute) then takes a new lease and continues from the latest
/// checkpoint; the shards replay their order, so the result is the same as an uninterrupted run. A runner that wakes up
/// after it was replaced finds the newer lease and stops without writing. Takeovers in a row without progress wait
/// longer each time and end the job after Coordinator:MaxTakeoversWithoutProgress.
/// </remarks>
[Reentrant]
public sealed class JobCoordinatorGrain(
    [PersistentState("job", "jobs")] IPersistentState<JobRecord> record,
    JobWorkloads workloads, ITensorExchange exchange, IOptions<JobArtifactsOptions> artifacts, ArtifactManifests manifests, IOptions<RoundOptions> rounds,
    IOptions<CoordinatorOptions> coordinator, ILocalSiloDetails silo, IClusterMembershipService membership, IPlacementSilos placementSilos, MemberDevices devices,
    JobPageAddress pages, ILogger<JobCoordinatorGrain> logger) : Grain, IJobCoordinatorGrain, IRemindable
{
    private const string KeepRunningReminder = "keep-running";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly CoordinatorPhases _phase = new();
    private JobRecordStore? _store;
    private JobRunner? _runner;
    private IGrainTimer? _heartbeat;
    private StorageRetry? _reminderRetry;
    private bool _reminderHeld;

    private string JobId => this.GetPrimaryKeyString();

    private JobRecordStore Store => _store ??= new JobRecordStore(record, coordinator.Value, logger, JobId);

    private string Me => silo.SiloAddress.ToParsableString();

    // Reminders live in job storage too; a caller is waiting, so the wait is a call's.
    private StorageRetry ReminderRetry => _reminderRetry ??=
        new StorageRetry($"job {JobId}", coordinator.Value.CallOutageDeadline, "Coordinator:CallOutageDeadline", logger);

    private bool JobIsActive => record.RecordExists && record.State.State is JobState.Running or JobState.Pending;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (JobIsActive) await TakeOverOrMirror();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_runner is null || _runner.Completion is { IsCompleted: true } || !_phase.HoldsRun) return;
        // Stop between rounds and checkpoint, so whichever activation comes next continues where this one stopped.
        logger.LogInformation("job {Job}: coordinator deactivating ({Reason}); stopping after a checkpoint", JobId, reason.Description);
        try
        {
            await _runner.HandOverAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("job {Job}: the run did not stop before the deactivation deadline; it resumes from its last checkpoint", JobId);
        }
    }

    public async Task Start(string specJson, DateTimeOffset submittedAt)
    {
        if (record.RecordExists)
        {
            // Idempotent for the same job; a different spec under a known id is refused, never run as the old one.
            if (record.State.SpecJson == specJson) return;
            throw new JobIdTakenException($"job {JobId} already exists with a different spec");
        }
        var job = workloads.Get(JobId, specJson);
        var now = DateTimeOffset.UtcNow;
        record.State = new JobRecord
        {
            SpecJson = specJson,
            SubmittedAt = submittedAt,
            // The job's wall time runs from its submission (the registry's clock), never from a time still to come.
            StartedAt = submittedAt < now ? submittedAt : now,
            State = JobState.Running,
            ArtifactsFolder = JobFolders.Of(artifacts.Value.Root, JobId),
            CoordinatorSilo = silo.SiloAddress.ToString(),
            RunnerSilo = Me,
            HeartbeatAt = now,
            Lease = 1,
            Name = job.Job.Spec.Name,
            Workload = job.Job.Workload.Name,
            TotalRounds = job.Workload.Rounds,
            Workers = job.Workload.Workers,
        };
        if (!await Store.CreateAsync())
        {
            if (record.State.SpecJson == specJson) return;
            throw new JobIdTakenException($"job {JobId} already exists with a different spec");
        }
        await KeepRunningAsync();
        StartRunner(lease: 1, resume: false, TimeSpan.Zero);
        logger.LogInformation("job {Job}: {Workload} with {Workers} workers started", JobId, job.Job.Workload.Name, job.Workload.Workers);
    }

    public Task<string> GetSpec() => Task.FromResult(record.State.SpecJson);

    public async Task<JobStatus> GetStatus()
    {
        await FollowTheStoredRecord();
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
            WaitingFor = r.State == JobState.Running ? r.WaitingFor : null,
            Members = r.Members.ToList(),
            CoordinatorDevice = r.CoordinatorDevice,
            StartedAt = r.StartedAt,
            RepeatedAttempts = r.RepeatedAttempts,
            RefusedTensors = r.RefusedTensors,
            Page = pages.Of(JobId),
        };
    }

    public Task ReportMember(MemberDevice member)
    {
        // Kept by the runner and written with its next record write; a member of a job that has ended changes nothing.
        if (_runner is not null && _phase.HoldsRun) _runner.ReportMember(member);
        return Task.CompletedTask;
    }

    public async Task Cancel()
    {
        if (_phase.Current == CoordinatorPhase.Mirroring)
            throw new InvalidOperationException($"job {JobId} is being run by another activation while the cluster changes; cancel again in a few seconds");
        if (_runner is not null && _phase.HoldsRun) _runner.Cancel();
        else if (JobIsActive && await Store.WriteAsync(r => (r.State, r.Message, r.FinishedAt) = (JobState.Cancelled, "cancelled before it ran", DateTimeOffset.UtcNow)))
        {
            ReleaseEverywhere();
            await ForgetReminder();
        }
    }

    // A manifest only (names, sizes, hashes, tickets): the files go over this silo's data plane (ArtifactExchangeService).
    public Task<ArtifactManifest> GetArtifacts() => manifests.OfAsync(JobId, record.State.ArtifactsFolder);

    public Task<ArtifactManifest> GetArtifact(string fileName) => manifests.OfFileAsync(JobId, record.State.ArtifactsFolder, fileName);

    // Numbers, read from the run folder on this silo: a curve is small whatever the files weigh.
    public Task<JobCurves> GetCurves(int maxPoints) => Task.FromResult(JobCurvesReader.Read(JobId, record.State.ArtifactsFolder, maxPoints));

    public Task<LabelWork?> GetLabelWork() => Task.FromResult(LabelDesk()?.Work);

    public Task<LabelProgress> SubmitLabel(LabelAnswerMessage answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var desk = LabelDesk() is { Work: not null } waiting ? waiting
            : throw new InvalidOperationException($"job {JobId} is not waiting for labels now ({record.State.State.ToString().ToLowerInvariant()}, round {record.State.Round}); see distgen status {JobId}");
        return Task.FromResult(desk.Submit(answer));
    }

    // Only the activation that runs the job holds its requests; a mirroring one has none.
    private ILabelDesk? LabelDesk() => _phase.HoldsRun ? _runner?.Run as ILabelDesk : null;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Being activated by the tick already took the run over (OnActivateAsync); what is left is following the record.
        await FollowTheStoredRecord();
        if (!JobIsActive) await ForgetReminder();
        else if (_phase.Current == CoordinatorPhase.Idle) await TakeOverOrMirror();
    }

    // A mirroring activation reads the record again, and takes the run over when its runner is gone.
    private async Task FollowTheStoredRecord()
    {
        if (_phase.Current != CoordinatorPhase.Mirroring) return;
        await Store.RefreshAsync();
        if (JobIsActive) await TakeOverOrMirror();
        else _phase.MoveTo(CoordinatorPhase.Idle);
    }

    /// <summary>
    /// Decides, for an activation that finds its job mid-run, whether another activation is still running it (then
    /// this one only mirrors the record) or the run is orphaned (then this one claims a new lease and continues it).
    /// </summary>
    private async Task TakeOverOrMirror()
    {
        var current = record.State;
        // A runner on a silo that is still up (running, or draining and about to hand over) and whose heartbeat is recent
        // is left alone; a runner that handed over (no runner), died with its silo or fell silent is replaced.
        if (current.RunnerSilo is { } runner && runner != Me
            && RunnerLiveness.SiloIsUp(membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(runner)))
            && RunnerLiveness.HeartbeatIsRecent(current, DateTimeOffset.UtcNow, coordinator.Value))
        {
            _phase.MoveTo(CoordinatorPhase.Mirroring);
            return;
        }
        var next = TakeoverPolicy.Next(current, coordinator.Value);
        if (next.Refused)
        {
            await GiveUp($"taken over {next.InARow - 1} times in a row without completing a round (last at round {current.Round}); " +
                "its silos may be crashing on it (memory, a missing data set): see the silo logs, then submit it again");
            return;
        }
        long lease = current.Lease + 1;
        bool claimed = await Store.WriteAsync(r =>
        {
            (r.Lease, r.RunnerSilo, r.CoordinatorSilo, r.HeartbeatAt) = (lease, Me, silo.SiloAddress.ToString(), DateTimeOffset.UtcNow);
            (r.Takeovers, r.TakeoversWithoutProgress, r.RoundAtLastTakeover) = (r.Takeovers + 1, next.InARow, r.Round);
            // The new runner starts computing; a wait the old one recorded (for labels) is shown again only when this one waits.
            r.WaitingFor = null;
        });
        if (!claimed)
        {
            // Another activation claimed it first: follow its record.
            _phase.MoveTo(CoordinatorPhase.Mirroring);
            return;
        }
        logger.LogWarning("job {Job}: taking the run over on {Silo} after round {Round} (lease {Lease}, takeover {Count})", JobId, silo.SiloAddress,
            record.State.Round, lease, record.State.Takeovers);
        Metrics.TrainingMeter.TookOver();
        await KeepRunningAsync();
        StartRunner(lease, resume: true, next.Delay);
    }

    // Ends a job no activation can run any more (takeovers without progress); a conflict means another activation runs it.
    private async Task GiveUp(string message)
    {
        logger.LogError("job {Job} failed: {Message}", JobId, message);
        if (await Store.WriteAsync(r => (r.State, r.Message, r.FinishedAt, r.RunnerSilo) = (JobState.Failed, message, DateTimeOffset.UtcNow, null)))
        {
            _phase.MoveTo(CoordinatorPhase.Ended);
            ReleaseEverywhere();
            await ForgetReminder();
        }
        else _phase.MoveTo(CoordinatorPhase.Mirroring);
    }

    private void StartRunner(long lease, bool resume, TimeSpan delay)
    {
        _phase.MoveTo(CoordinatorPhase.Starting);
        Store.HeldLease = lease;
        var services = new CoordinatorServices(workloads, exchange, silo.SiloAddress, rounds.Value, coordinator.Value, GrainFactory, membership, placementSilos, devices, logger);
        _runner = new JobRunner(JobId, services, Store, _phase, new JobLeaseFence(record.State.ArtifactsFolder!, lease), resume, delay, RunnerStopped);
        // The rounds run outside any grain call: the first tick starts them, so the call that claimed the run returns at
        // once and a deactivation is not held up by a call that lasts the whole job (it reaches OnDeactivateAsync, which
        // stops them). Later ticks write the heartbeat, and count as activity, so an unwatched job is never collected as idle.
        _heartbeat = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TimeSpan.Zero, coordinator.Value.HeartbeatPeriod)
        {
            Interleave = true,
            KeepAlive = true,
        });
    }

    private async Task Tick(CancellationToken _)
    {
        if (_runner is null) return;
        if (_runner.Completion is null)
        {
            _runner.Start();
            return;
        }
        if (_runner.Completion.IsCompleted) return;
        await _runner.HeartbeatAsync();
        // A reminder that could not be registered when the run started is tried again until it holds (not once the
        // run has ended meanwhile: its reminder is being forgotten).
        if (!_reminderHeld && _phase.HoldsRun) await KeepRunningAsync();
    }

    private async Task RunnerStopped(RunnerOutcome outcome)
    {
        _heartbeat?.Dispose();
        _heartbeat = null;
        Store.HeldLease = null;
        switch (outcome)
        {
            case RunnerOutcome.Ended:
                await ForgetReminder();
                break;
            case RunnerOutcome.Superseded:
                // This activation is stale: the record belongs to the new runner; let Orleans route callers to it.
                _phase.MoveTo(CoordinatorPhase.Mirroring);
                DeactivateOnIdle();
                break;
            case RunnerOutcome.Abandoned:
                DeactivateOnIdle();
                break;
        }
    }

    /// <summary>
    /// Registers the reminder that re-activates the coordinator if its silo dies while nobody is watching the job,
    /// retrying while storage is unreachable. When it cannot within Coordinator:CallOutageDeadline the run goes on and
    /// every heartbeat tries again: a status call would still resume the job meanwhile, and the run is not held up.
    /// </summary>
    private async Task KeepRunningAsync()
    {
        try
        {
            await ReminderRetry.RunAsync("register the job's reminder", _ => this.RegisterOrUpdateReminder(KeepRunningReminder, ReminderPeriod, ReminderPeriod));
            _reminderHeld = true;
        }
        catch (StorageOutageException e)
        {
            logger.LogWarning("job {Job}: {Error}; the heartbeat tries again", JobId, e.Message);
        }
    }

    // Frees the job's tensors and workload here at once and on every other silo in the background: the call that ended
    // the job should not wait on a silo that cannot be reached (that silo's FinishedJobCleanup catches up).
    private void ReleaseEverywhere()
    {
        exchange.ReleaseJob(JobId);
        workloads.Release(JobId);
        _ = JobRelease.OnEverySiloAsync(JobId, GrainFactory, membership, logger);
    }

    private async Task ForgetReminder()
    {
        _reminderHeld = false;
        try
        {
            await ReminderRetry.RunAsync("remove the job's reminder", async _ =>
            {
                if (await this.GetReminder(KeepRunningReminder) is { } reminder) await this.UnregisterReminder(reminder);
            });
        }
        catch (Exception e)
        {
            // A reminder left behind only re-activates a finished job, which then forgets it again.
            logger.LogWarning(e, "job {Job}: could not remove its reminder", JobId);
        }
    }
}

/// <summary>A job id that already names a job with another spec (the registry then picks another id).</summary>
[GenerateSerializer]
public sealed class JobIdTakenException(string message) : Exception(message);
