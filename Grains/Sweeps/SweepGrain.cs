using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;
using DistGen.Grains.Artifacts;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.Data;
using DistGen.Training.Sweeps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace DistGen.Grains.Sweeps;

/// <summary>
/// One sweep. A timer (every <see cref="Poll"/>) follows the member jobs through their coordinators, starts queued
/// members through the registry while fewer than the limit run, and writes the table (<see cref="SweepFolder"/>) once
/// every member has ended. The members are ordinary jobs, so each survives its silos as any job does; the sweep itself
/// lives in job storage and holds a reminder, so when its silo leaves or dies the next tick or status call activates it
/// elsewhere, and it goes on from its record: a member it was starting is asked of the registry again under the same
/// id, which answers the job already started rather than starting a second.
/// </summary>
public sealed class SweepGrain(
    [PersistentState("sweep", "jobs")] IPersistentState<SweepRecord> record,
    IOptions<JobArtifactsOptions> artifacts, ArtifactManifests manifests, IOptions<CoordinatorOptions> coordinator, ILocalSiloDetails silo,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable
{
    /// <summary>How often the sweep asks its running members how they are.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private const string KeepSweepingReminder = "keep-sweeping";

    // Failed attempts in a row to start a member before it is recorded as refused (a registry away for a minute is waited out).
    private const int StartAttempts = 30;

    private readonly Dictionary<int, JobStatus> _live = [];
    private readonly Dictionary<int, int> _startFailures = [];
    private IGrainTimer? _timer;
    private StorageRetry? _retry;

    private string SweepId => this.GetPrimaryKeyString();
    private SweepRecord Sweep => record.State;
    private bool IsActive => record.RecordExists && Sweep.State == JobState.Running;
    private StorageRetry Retry => _retry ??= new StorageRetry($"sweep {SweepId}", coordinator.Value.CallOutageDeadline, "Coordinator:CallOutageDeadline", logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!IsActive) return;
        if (Sweep.Silo != silo.SiloAddress.ToString())
        {
            logger.LogWarning("sweep {Sweep}: taken over on {Silo} (it ran on {Previous})", SweepId, silo.SiloAddress, Sweep.Silo);
            (Sweep.Silo, Sweep.Takeovers) = (silo.SiloAddress.ToString(), Sweep.Takeovers + 1);
            await TryWriteAsync();
        }
        Follow();
    }

    public async Task Start(string sweepJson, DateTimeOffset submittedAt)
    {
        if (record.RecordExists)
        {
            if (Sweep.SpecJson == sweepJson) return;
            throw new JobIdTakenException($"sweep {SweepId} already exists with a different document");
        }
        var sweep = SweepSpec.Parse(sweepJson, JobWorkloads.ValidateForCluster);
        record.State = new SweepRecord
        {
            SpecJson = sweepJson,
            Name = sweep.Name,
            Workload = sweep.Workload,
            Parameter = sweep.Parameter,
            MaxConcurrentJobs = sweep.MaxConcurrentJobs,
            SubmittedAt = submittedAt,
            Silo = silo.SiloAddress.ToString(),
            Members = [.. sweep.Members.Select(m => new SweepMemberRecord { Index = m.Index, Label = m.Label, JobId = $"{SweepId}-{m.Index}", SpecJson = m.SpecJson })],
        };
        await Retry.RunAsync("record the sweep", _ => record.WriteStateAsync());
        await Retry.RunAsync("register the sweep's reminder", _ => this.RegisterOrUpdateReminder(KeepSweepingReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        logger.LogInformation("sweep {Sweep}: {Count} {Workload} jobs over {Parameter}, at most {Limit} at once", SweepId, sweep.Members.Count, sweep.Workload,
            sweep.Parameter, sweep.MaxConcurrentJobs);
        Follow();
    }

    // A running sweep is run by the activation answering, whatever its record last said; an ended one names the silo that ended it.
    public Task<SweepStatus> GetStatus() => Task.FromResult(SweepStatusOf.Record(SweepId, record.RecordExists ? Sweep : null, _live,
        IsActive ? silo.SiloAddress.ToString() : null));

    public async Task Cancel()
    {
        if (!IsActive || Sweep.CancelRequested) return;
        (Sweep.CancelRequested, Sweep.CancelledAt) = (true, DateTimeOffset.UtcNow);
        try
        {
            await Retry.RunAsync("record the cancellation", _ => record.WriteStateAsync());
        }
        catch
        {
            // Not recorded, so not done: a cancel asked again must try again.
            (Sweep.CancelRequested, Sweep.CancelledAt) = (false, null);
            throw;
        }
        await Tick(CancellationToken.None);
    }

    public async Task<ArtifactManifest> GetArtifacts()
    {
        if (!record.RecordExists || Sweep.State == JobState.Running) return await manifests.OfAsync(SweepId, null);
        // The folder is on the silo that finished the sweep; one that took the sweep over since writes it again from the record.
        var folder = JobFolders.Of(artifacts.Value.Root, SweepId);
        if (!File.Exists(Path.Combine(folder, "sweep.md"))) WriteFolder(folder);
        return await manifests.OfAsync(SweepId, folder);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The tick activated the sweep (OnActivateAsync follows it); an ended sweep forgets its reminder.
        if (!IsActive && await this.GetReminder(KeepSweepingReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private void Follow() => _timer ??= this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TimeSpan.Zero, Poll) { KeepAlive = true });

    private async Task Tick(CancellationToken _)
    {
        if (!IsActive)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }
        try
        {
            bool changed = await FollowMembersAsync();
            changed |= Sweep.CancelRequested ? await CancelMembersAsync() : await StartMembersAsync();
            if (Sweep.Members.All(m => m.Phase == SweepMemberPhase.Ended)) await FinishAsync();
            else if (changed) await record.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote the record (a takeover while this silo was thought gone): follow what it wrote.
            logger.LogWarning("sweep {Sweep}: its record was written elsewhere; reading it again", SweepId);
            await record.ReadStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Storage or a silo away for a moment: the next tick tries again from the record.
            logger.LogWarning("sweep {Sweep}: {Error}; trying again in {Poll}", SweepId, e.GetBaseException().Message, Poll);
        }
    }

    // Each started member's status; one that ended keeps its final figures in the record.
    private async Task<bool> FollowMembersAsync()
    {
        var started = Sweep.Members.Where(m => m.Phase == SweepMemberPhase.Started).ToList();
        var statuses = await Task.WhenAll(started.Select(async m =>
        {
            try
            {
                return await GrainFactory.GetGrain<IJobCoordinatorGrain>(m.JobId).GetStatus();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogInformation("sweep {Sweep}: no status of {Job} this time ({Error})", SweepId, m.JobId, e.GetBaseException().Message);
                return null;
            }
        }));
        bool changed = false;
        foreach (var (member, status) in started.Zip(statuses))
        {
            if (status is null) continue;
            _live[member.Index] = status;
            (member.Round, member.TotalRounds) = (status.Round, status.TotalRounds);
            member.Silos = [.. new[] { status.CoordinatorSilo }.Concat(status.WorkerSilos).OfType<string>().Distinct()];
            if (!status.IsFinished) continue;
            (member.Phase, member.EndState, member.Message) = (SweepMemberPhase.Ended, status.StateName, status.Message);
            member.Metrics = new Dictionary<string, double>(status.Metrics);
            logger.LogInformation("sweep {Sweep}: member {Index} ({Label}) {State}", SweepId, member.Index, member.Label, status.StateName);
            changed = true;
        }
        return changed;
    }

    // Starts queued members while fewer than the limit run, each recorded as starting before the registry is asked.
    private async Task<bool> StartMembersAsync()
    {
        bool changed = false;
        foreach (var member in Sweep.Members.Where(m => m.Phase is SweepMemberPhase.Starting or SweepMemberPhase.Queued).ToList())
        {
            if (member.Phase == SweepMemberPhase.Queued)
            {
                if (Sweep.Members.Count(m => m.Phase is SweepMemberPhase.Starting or SweepMemberPhase.Started) >= Sweep.MaxConcurrentJobs) break;
                (member.Phase, member.Submitted) = (SweepMemberPhase.Starting, true);
                await record.WriteStateAsync();
            }
            if (await AskToStartAsync(member) is not { } answer) continue;
            if (answer.Accepted) member.Phase = SweepMemberPhase.Started;
            else (member.Phase, member.EndState, member.Message) = (SweepMemberPhase.Ended, "refused", string.Join("; ", answer.Errors));
            logger.LogInformation("sweep {Sweep}: member {Index} ({Label}) {What}", SweepId, member.Index, member.Label, answer.Accepted ? $"started as {member.JobId}" : member.Message);
            changed = true;
        }
        return changed;
    }

    // The registry's answer; null when it could not answer this time (asked again next tick). A job its silo could not
    // even load (its data, a split too small) is refused at once, as is one that fails to start StartAttempts times in a row.
    private async Task<SubmitResult?> AskToStartAsync(SweepMemberRecord member)
    {
        try
        {
            var answer = await GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).SubmitMember(member.JobId, member.SpecJson);
            _startFailures.Remove(member.Index);
            return answer;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            int failures = _startFailures[member.Index] = _startFailures.GetValueOrDefault(member.Index) + 1;
            bool refused = e is ArgumentException or InvalidDataException or JobIdTakenException or DataMissingException || failures >= StartAttempts;
            logger.LogWarning("sweep {Sweep}: member {Index} did not start ({Error}){Then}", SweepId, member.Index, e.GetBaseException().Message,
                refused ? "" : $"; asking again ({failures} of {StartAttempts})");
            return refused ? new SubmitResult { Errors = [$"could not start: {e.GetBaseException().Message}"] } : null;
        }
    }

    // A grain call's timeout and then some: a start asked by an activation that went away has landed or never will.
    private static readonly TimeSpan StartSettlesWithin = TimeSpan.FromSeconds(45);

    private async Task<bool> CancelMembersAsync()
    {
        bool changed = false;
        foreach (var member in Sweep.Members)
        {
            try
            {
                changed |= await CancelMemberAsync(member);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One member's coordinator busy moving must not hold the others up; the next pass asks again.
                logger.LogInformation("sweep {Sweep}: member {Index} not cancelled yet ({Error})", SweepId, member.Index, e.GetBaseException().Message);
            }
        }
        return changed;
    }

    private async Task<bool> CancelMemberAsync(SweepMemberRecord member)
    {
        var job = GrainFactory.GetGrain<IJobCoordinatorGrain>(member.JobId);
        bool changed = false;
        if (member.Phase == SweepMemberPhase.Starting)
        {
            // Asked of the registry by an activation that went away before the answer: followed and cancelled if it started;
            // counted as never started only once such a start can no longer land.
            if ((await job.GetStatus()).SubmittedAt != default) member.Phase = SweepMemberPhase.Started;
            else if (DateTimeOffset.UtcNow - (Sweep.CancelledAt ?? DateTimeOffset.MinValue) > StartSettlesWithin)
                (member.Phase, member.Submitted) = (SweepMemberPhase.Queued, false);
            else return false;
            changed = true;
        }
        if (member.Phase == SweepMemberPhase.Queued)
        {
            (member.Phase, member.EndState, member.Message) = (SweepMemberPhase.Ended, "cancelled", "not started: the sweep was cancelled");
            return true;
        }
        if (member.Phase == SweepMemberPhase.Started) await job.Cancel();
        return changed;
    }

    private async Task FinishAsync()
    {
        var folder = JobFolders.Of(artifacts.Value.Root, SweepId);
        var table = WriteFolder(folder);
        int succeeded = Sweep.Members.Count(m => m.EndState == "succeeded");
        (Sweep.Table, Sweep.Mean, Sweep.Folder, Sweep.FinishedAt) = (table.ToMarkdown(), new Dictionary<string, double>(table.Mean), folder, DateTimeOffset.UtcNow);
        Sweep.Silo = silo.SiloAddress.ToString();
        (Sweep.State, Sweep.Message) = Sweep.CancelRequested ? (JobState.Cancelled, $"cancelled; {succeeded} of {Sweep.Members.Count} members had succeeded")
            : succeeded == Sweep.Members.Count ? (JobState.Succeeded, $"all {succeeded} members succeeded")
            : (JobState.Failed, $"{Sweep.Members.Count - succeeded} of {Sweep.Members.Count} members did not succeed; the table has the others");
        try
        {
            await Retry.RunAsync("record the sweep's end", _ => record.WriteStateAsync());
        }
        catch
        {
            // Ended only once stored: until then the timer and the reminder keep the sweep going, and the next pass ends it again.
            (Sweep.State, Sweep.Message, Sweep.FinishedAt) = (JobState.Running, null, null);
            throw;
        }
        logger.LogInformation("sweep {Sweep}: {State}, {Message}; table in {Folder}", SweepId, Sweep.State, Sweep.Message, folder);
        _timer?.Dispose();
        _timer = null;
        if (await this.GetReminder(KeepSweepingReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private SweepTable WriteFolder(string folder)
    {
        var sweep = SweepSpec.Parse(Sweep.SpecJson, JobWorkloads.ValidateForCluster);
        var table = SweepFolder.TableOf(sweep, Sweep.Members);
        SweepFolder.Write(folder, sweep, table, Sweep.Members);
        return table;
    }

    private async Task TryWriteAsync()
    {
        try
        {
            await Retry.RunAsync("record the takeover", _ => record.WriteStateAsync());
        }
        catch (Exception e) when (e is InconsistentStateException or StorageOutageException)
        {
            logger.LogWarning("sweep {Sweep}: could not record the takeover ({Error}); the next tick reads the record again", SweepId, e.Message);
            if (e is InconsistentStateException) await record.ReadStateAsync();
        }
    }
}
