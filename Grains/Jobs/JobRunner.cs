using DistGen.Grains.Runs;
using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Placement;
using DistGen.Training.Core;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Jobs;

/// <summary>What a coordinator activation lends the runner of its job.</summary>
public sealed record CoordinatorServices(
    JobWorkloads Workloads,
    ITensorExchange Exchange,
    SiloAddress Silo,
    RoundOptions Rounds,
    CoordinatorOptions Coordinator,
    IGrainFactory Grains,
    IClusterMembershipService Membership,
    IPlacementSilos PlacementSilos,
    MemberDevices Devices,
    ILogger Logger);

/// <summary>How a runner stopped.</summary>
public enum RunnerOutcome
{
    /// <summary>It recorded the job's end: succeeded, failed or cancelled.</summary>
    Ended,
    /// <summary>Its activation is leaving: it checkpointed and gave the lease up for the next activation.</summary>
    HandedOver,
    /// <summary>Another activation holds the lease now; it stopped without writing.</summary>
    Superseded,
    /// <summary>It could not record the job's end (storage unreachable past its deadline); the next activation resumes the job.</summary>
    Abandoned,
}

/// <summary>
/// One coordinator activation's run of a job, from the claim of its lease to the job's end or a hand-over: it takes the
/// run folder (<see cref="JobLeaseFence"/>), builds the workload family's run, continues from the checkpoint when it
/// takes over, runs the rounds, checkpoints, writes progress and a heartbeat to the record, and at the end frees what the
/// job holds on every silo. Set-up runs inside the same error handling as the rounds, so every way out leaves the job
/// ended with its reason, or resumable by the next activation. All of it runs on the activation's scheduler.
/// </summary>
public sealed class JobRunner(string jobId, CoordinatorServices services, JobRecordStore store, CoordinatorPhases phases, JobLeaseFence fence,
    bool resume, TimeSpan delay, Func<RunnerOutcome, Task> stopped)
{
    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly RunProgress _progress = new(store.State);
    private StopReason? _stopReason;
    private bool _started;
    private ILogger Logger => services.Logger;
    private string JobId => jobId;

    private void ShowProgress() => _progress.ApplyTo(store.State);

    private enum StopReason { Cancelled, Leaving, Superseded }

    /// <summary>The family's run, once it is built (for calls a run answers itself, e.g. labels).</summary>
    public CoordinatedRun? Run { get; private set; }

    /// <summary>The run, once <see cref="Start"/> was called.</summary>
    public Task? Completion { get; private set; }

    public void Start() => Completion ??= RunAsync();

    /// <summary>Stops at the next round boundary and records the job as cancelled.</summary>
    public void Cancel() => Stop(StopReason.Cancelled);

    /// <summary>Records where a member computes; status shows it at once, the record keeps it from the next write.</summary>
    public void ReportMember(MemberDevice member)
    {
        _progress.Members[member.Member] = member;
        ShowProgress();
    }

    /// <summary>
    /// Stops at the next round boundary, checkpoints and gives the lease up; completes when that is done. A runner that
    /// has not started yet starts only to give the lease up, so the next activation need not wait for it to fall silent.
    /// </summary>
    public async Task HandOverAsync(CancellationToken deadline)
    {
        phases.MoveTo(CoordinatorPhase.HandingOver);
        Stop(StopReason.Leaving);
        Start();
        await Completion!.WaitAsync(deadline);
    }

    /// <summary>Writes the heartbeat (and the latest progress); called by the coordinator's timer, whatever the rounds do.</summary>
    public async Task HeartbeatAsync()
    {
        try
        {
            await store.WriteAsync(r => { _progress.ApplyTo(r); r.HeartbeatAt = DateTimeOffset.UtcNow; }, _stop.Token);
        }
        catch (SupersededRunException e)
        {
            Supersede(e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or StorageOutageException)
        {
            // Cancelled: the run is stopping. An outage: the rounds' own saves meet the same deadline and end the run.
        }
    }

    private void Supersede(string reason)
    {
        fence.Supersede(reason);
        Stop(StopReason.Superseded);
    }

    // The first reason wins: a job cancelled and then drained is still cancelled.
    private void Stop(StopReason reason)
    {
        _stopReason ??= reason;
        _stop.Cancel();
    }

    private async Task RunAsync()
    {
        // Every log line of the run carries the job's id as a scope (and, within a round, the round): in JSON console
        // logs they are fields (Logging:Console:FormatterName=json, README "Logs").
        using var jobScope = Logger.BeginScope(new Dictionary<string, object?> { ["JobId"] = jobId });
        var record = store.State;
        var folder = record.ArtifactsFolder!;
        CoordinatedRun? run = null;
        var outcome = RunnerOutcome.Abandoned;
        try
        {
            // Setup is inside the handling below: a data set missing on this silo fails the job with its reason.
            fence.Claim();
            _stop.Token.ThrowIfCancellationRequested();
            if (delay > TimeSpan.Zero)
            {
                Logger.LogWarning("job {Job}: takeover {Count} in a row without progress; waiting {Delay} before continuing", jobId,
                    record.TakeoversWithoutProgress, delay);
                await Task.Delay(delay, _stop.Token);
            }
            var job = services.Workloads.Get(jobId, record.SpecJson);
            var (deviceName, device) = services.Devices.CoordinatorDevice(job.Job.Spec.Cluster.Device);
            _progress.CoordinatorDevice = deviceName;
            if (services.Devices.CoordinatorFallsBackToCpu(job.Job.Spec.Cluster.Device))
                Logger.LogInformation("job {Job}: this coordinator's silo has no accelerator; its learner runs on the CPU (the workers use their devices)", jobId);
            var context = new RunContext(folder, job.Job.Spec.Seed, device, null, _stop.Token, fence,
                notice => { Logger.LogWarning("job {Job}: {Notice}", jobId, notice); _progress.Message = notice; });
            if (!resume) context.WriteArtifact("spec.json", path => File.WriteAllText(path, record.SpecJson));
            run = job.Family.CreateRun(new CoordinatedRunContext(jobId, job.Job, job.Workload, context, services.Grains, services.Exchange,
                services.Silo, services.Rounds, services.Coordinator, Logger, new Waiting(this), message => _progress.Message = message, services.PlacementSilos,
                _progress.Faults));
            Run = run;
            long completed = await StartRunAsync(run, job.Workload);
            _started = true;
            // A hand-over asked for during set-up is taken here, before the first round.
            _stop.Token.ThrowIfCancellationRequested();
            phases.MoveTo(CoordinatorPhase.Running);
            completed = await RunRoundsAsync(run, job.Workload, job.Job.Spec.Workload, completed);
            var summary = await run.FinishAsync((DateTimeOffset.UtcNow - (record.StartedAt ?? record.SubmittedAt)).TotalSeconds);
            foreach (var (name, value) in summary.Figures) _progress.Metrics[name] = value;
            _progress.CheckpointRound = completed;
            outcome = await EndAsync(JobState.Succeeded, $"done in {summary.WallSeconds:F1} s");
        }
        catch (OperationCanceledException) when (_stopReason == StopReason.Superseded)
        {
            outcome = Superseded(fence.SupersededBy ?? "a newer lease holds the record");
        }
        catch (SupersededRunException e)
        {
            Supersede(e.Message);
            outcome = Superseded(e.Message);
        }
        catch (OperationCanceledException) when (_stopReason == StopReason.Leaving)
        {
            outcome = await GiveUpLeaseAsync(_started ? run : null);
        }
        catch (OperationCanceledException) when (_stopReason == StopReason.Cancelled)
        {
            outcome = await EndAsync(JobState.Cancelled, $"cancelled at round {_progress.Round}");
        }
        catch (Exception e)
        {
            Logger.LogError(e, "job {Job} failed", jobId);
            outcome = await EndAsync(JobState.Failed, ReasonOf(e));
        }
        finally
        {
            // Only the runner that ends the job frees what it holds, whichever way it ended (also when set-up failed
            // before its run was built); one that hands over or is superseded keeps it.
            if (outcome == RunnerOutcome.Ended) await ReleaseAsync(run);
            run?.Dispose();
            Metrics.TrainingMeter.Forget(jobId);
        }
        await stopped(outcome);
    }

    private async Task<long> StartRunAsync(CoordinatedRun run, IRoundWorkload workload)
    {
        var record = store.State;
        long completed = await run.StartAsync(resume);
        // A checkpoint the record knows of must not silently turn into a start from round 0; checked before the progress
        // moves, so the failed job's record still says which round was reached and checkpointed.
        if (resume && completed == 0 && record.CheckpointRound > 0)
            throw new CheckpointMissingException($"the job record says round {record.CheckpointRound} was checkpointed, but {record.ArtifactsFolder} " +
                "holds no checkpoint: refusing to start over (restore the run folder, which every silo must see at the same path, or submit the job again)");
        (_progress.Round, _progress.CheckpointRound) = (completed, completed);
        if (!resume) return completed;
        _progress.ContinuedFromRound = completed;
        _progress.Message ??= completed > 0 ? $"continued from the checkpoint of round {completed}" : "started over: no checkpoint was written yet";
        Logger.LogWarning("job {Job}: {Message} (lease {Lease}, {Rounds} rounds in all)", jobId, _progress.Message, fence.Lease, workload.Rounds);
        await SaveProgressAsync();
        return completed;
    }

    private async Task<long> RunRoundsAsync(CoordinatedRun run, IRoundWorkload workload, string family, long completed)
    {
        var saved = Stopwatch.StartNew();
        for (long r = completed + 1; r <= workload.Rounds; r++)
        {
            _stop.Token.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();
            using var roundScope = Logger.BeginScope(new Dictionary<string, object?> { ["Round"] = r });
            var report = await run.RunRoundAsync(r, _stop.Token);
            completed = r;
            if (workload.CheckpointEvery > 0 && r % workload.CheckpointEvery == 0)
            {
                await run.CheckpointAsync(r);
                _progress.CheckpointRound = r;
            }
            _progress.Record(r, report);
            _progress.ApplyTo(store.State);
            Metrics.TrainingMeter.RoundCompleted(jobId, family, r, workload.Rounds, Stopwatch.GetElapsedTime(started), _progress.Metrics);
            // Persisted now and then (and by the heartbeat), so status answered from storage moves on too. While storage
            // is unreachable this waits, retrying: the run pauses rather than going on unrecorded.
            if (saved.Elapsed >= SaveEvery)
            {
                await SaveProgressAsync();
                saved.Restart();
            }
        }
        return completed;
    }

    // Our own errors already say what to do (with the path, the deadline, the checkpoint); anything else by its root cause.
    private static string ReasonOf(Exception e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
            if (cause is ArtifactWriteException or CheckpointCorruptException or CheckpointMissingException or StorageOutageException)
                return cause.Message;
        return e.GetBaseException().Message;
    }

    private Task SaveProgressAsync() => store.WriteAsync(r => { _progress.ApplyTo(r); r.HeartbeatAt = DateTimeOffset.UtcNow; }, _stop.Token);

    // Rounds observe cancellation only before they change the model, so the model is exactly that of the last completed round.
    private async Task<RunnerOutcome> GiveUpLeaseAsync(CoordinatedRun? started)
    {
        try
        {
            if (started is { } run && _progress.Round > 0)
            {
                await run.CheckpointAsync(_progress.Round);
                _progress.CheckpointRound = _progress.Round;
            }
            // No runner: the next activation takes the run at once.
            await store.WriteAsync(r => { _progress.ApplyTo(r); r.RunnerSilo = null; });
            phases.MoveTo(CoordinatorPhase.Idle);
            return RunnerOutcome.HandedOver;
        }
        catch (SupersededRunException e)
        {
            Supersede(e.Message);
            return Superseded(e.Message);
        }
        catch (Exception e)
        {
            Logger.LogWarning(e, "job {Job}: could not hand over cleanly; the next activation continues from the last checkpoint", jobId);
            phases.MoveTo(CoordinatorPhase.Idle);
            return RunnerOutcome.HandedOver;
        }
    }

    // The reason says whether the runner stopped before a write or found out right after one (JobLeaseFence's remarks).
    private RunnerOutcome Superseded(string reason)
    {
        Logger.LogWarning("job {Job}: another activation took the run over; this one (lease {Lease}) stops: {Reason}", jobId, fence.Lease, reason);
        phases.MoveTo(CoordinatorPhase.Superseded);
        return RunnerOutcome.Superseded;
    }

    /// <summary>Records the job's end; a runner superseded meanwhile leaves the new runner's record alone.</summary>
    private async Task<RunnerOutcome> EndAsync(JobState state, string message)
    {
        try
        {
            await store.WriteAsync(r =>
            {
                _progress.ApplyTo(r);
                (r.State, r.Message, r.FinishedAt, r.HeartbeatAt) = (state, message, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
            });
        }
        catch (SupersededRunException e)
        {
            Supersede(e.Message);
            return Superseded(e.Message);
        }
        catch (StorageOutageException e)
        {
            Logger.LogError("job {Job}: could not record its end ({State}: {Message}): {Error}; the next activation resumes it", jobId, state, message, e.Message);
            phases.MoveTo(CoordinatorPhase.Idle);
            return RunnerOutcome.Abandoned;
        }
        phases.MoveTo(CoordinatorPhase.Ended);
        Logger.LogInformation("job {Job}: {State} ({Message})", jobId, state, message);
        return RunnerOutcome.Ended;
    }

    // Workers and their replicas (when this runner built the run), then the job's tensors and cached workload on this
    // silo and on every other (workers pulled parameters into their own silos' stores, under this runner or an earlier one).
    private async Task ReleaseAsync(CoordinatedRun? run)
    {
        if (run is not null) await run.ReleaseMembersAsync();
        services.Exchange.ReleaseJob(jobId);
        services.Workloads.Release(jobId);
        await JobRelease.OnEverySiloAsync(jobId, services.Grains, services.Membership, Logger);
    }

    /// <summary>The run's waits, shown in the record (and so in status) and written at once.</summary>
    private sealed class Waiting(JobRunner runner) : IRunWaiting
    {
        public Task BeginAsync(string what, string message)
        {
            (runner._progress.WaitingFor, runner._progress.Message) = (what, message);
            runner.Logger.LogInformation("job {Job}: waiting for {What}: {Message}", runner.JobId, what, message);
            return runner.SaveProgressAsync();
        }

        // Status answers from this activation's record at once; storage gets it with the next heartbeat.
        public void Update(string message)
        {
            runner._progress.Message = message;
            runner.ShowProgress();
        }

        public Task EndAsync(string message)
        {
            (runner._progress.WaitingFor, runner._progress.Message) = (null, message);
            return runner.SaveProgressAsync();
        }
    }

    /// <summary>What the runner knows of its progress, applied to the record with every write (absolute values, so a write can be repeated).</summary>
    private sealed class RunProgress(JobRecord start)
    {
        public long Round { get; set; } = start.Round;
        public long CheckpointRound { get; set; } = start.CheckpointRound;
        public long? ContinuedFromRound { get; set; }
        public string? Message { get; set; }
        // A new runner starts computing: a wait its predecessor recorded is not its own.
        public string? WaitingFor { get; set; }
        public Dictionary<string, double> Metrics { get; } = new(start.Metrics);
        public List<string> WorkerSilos { get; private set; } = start.WorkerSilos.ToList();
        // A takeover keeps what the members reported: they stay active across it and report again only when they move.
        public Dictionary<string, MemberDevice> Members { get; } = start.Members.ToDictionary(m => m.Member);
        public string? CoordinatorDevice { get; set; } = start.CoordinatorDevice;
        // Continues the counts of earlier runners of the job.
        public RoundFaults Faults { get; } = new(start.RepeatedAttempts, start.RefusedTensors);

        public void Record(long round, RoundReport report)
        {
            Round = round;
            // Figures measured only every N rounds come as NaN in between: keep their last measured value.
            foreach (var (name, value) in report.Metrics)
                if (double.IsFinite(value) || !Metrics.ContainsKey(name)) Metrics[name] = value;
            WorkerSilos = report.WorkerSilos.ToList();
        }

        public void ApplyTo(JobRecord record)
        {
            (record.Round, record.CheckpointRound) = (Round, CheckpointRound);
            if (ContinuedFromRound is not null) record.ContinuedFromRound = ContinuedFromRound;
            if (Message is not null) record.Message = Message;
            record.WaitingFor = WaitingFor;
            record.Metrics = new Dictionary<string, double>(Metrics);
            record.WorkerSilos = WorkerSilos.ToList();
            record.Members = Members.Values.OrderBy(m => m.Member, MemberOrder.Instance).ToList();
            record.CoordinatorDevice = CoordinatorDevice;
            (record.RepeatedAttempts, record.RefusedTensors) = (Faults.RepeatedAttempts, Faults.RefusedTensors);
        }
    }
}

/// <summary>A takeover found no checkpoint where the job record says one was written.</summary>
public sealed class CheckpointMissingException(string message) : Exception(message);
