using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Grains.Jobs;

/// <summary>
/// One job's coordinator: owns the model and optimizer (through the workload's learner), publishes each parameter
/// version on its silo's data plane, runs the rounds, averages the workers' gradients, and records status and
/// artifacts. Reentrant so status, spec and cancel calls are answered while a round is in flight.
/// </summary>
[Reentrant]
public sealed class JobCoordinatorGrain(
    [PersistentState("job", "jobs")] IPersistentState<JobRecord> record,
    JobRuntimes runtimes, ITensorExchange exchange, IOptions<JobArtifactsOptions> options,
    ILocalSiloDetails silo, IClusterMembershipService membership, ILogger<JobCoordinatorGrain> logger) : Grain, IJobCoordinatorGrain
{
    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _cancel = new();
    private IGrainTimer? _timer;
    private Task? _run;
    private bool _mirror;

    private string JobId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!record.RecordExists || record.State.State is not (JobState.Running or JobState.Pending)) return Task.CompletedTask;
        // Found mid-run. While the cluster's membership changes (a silo leaving), the grain directory can briefly create
        // a second activation beside the one running the job: that one keeps running, this one only mirrors its record.
        if (record.State.RunnerSilo is { } runner && runner != silo.SiloAddress.ToParsableString()
            && membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(runner)) == SiloStatus.Active)
        {
            _mirror = true;
            return Task.CompletedTask;
        }
        // The silo that ran the job is gone; resuming from its last checkpoint is not built yet.
        return Finish(JobState.Failed, "the coordinator's silo was lost mid-run; submit the job again");
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
            Name = runtime.Job.Spec.Name,
            Workload = runtime.Job.Workload.Name,
            TotalRounds = runtime.Workload.Rounds,
            Workers = runtime.Workload.Workers,
        };
        await record.WriteStateAsync();
        // The rounds run from a grain timer, so Start returns at once and the activation stays alive while they run.
        _timer = this.RegisterGrainTimer(RunOnce, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
        logger.LogInformation("job {Job}: {Workload} with {Workers} workers started", JobId, runtime.Job.Workload.Name, runtime.Workload.Workers);
    }

    public Task<string> GetSpec() => Task.FromResult(record.State.SpecJson);

    public async Task<JobStatus> GetStatus()
    {
        if (_mirror) await record.ReadStateAsync();
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
        };
    }

    public async Task Cancel()
    {
        if (_mirror)
            throw new InvalidOperationException($"job {JobId} is being run by another activation while the cluster changes; cancel again in a few seconds");
        if (record.State.State is JobState.Pending or JobState.Running)
        {
            await _cancel.CancelAsync();
            if (_run is null) await Finish(JobState.Cancelled, "cancelled before it ran");
        }
    }

    public async Task<IReadOnlyList<JobArtifact>> GetArtifacts()
    {
        var folder = record.State.ArtifactsFolder;
        if (folder is null || !Directory.Exists(folder)) return [];
        var files = Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal);
        var artifacts = new List<JobArtifact>();
        foreach (var file in files) artifacts.Add(new JobArtifact(Path.GetFileName(file), await File.ReadAllBytesAsync(file)));
        return artifacts;
    }

    // The timer stays registered (KeepAlive) until the job ends, so an unwatched long job is never collected as idle.
    private Task RunOnce(CancellationToken _) => _run ??= RunJob();

    private async Task RunJob()
    {
        var runtime = runtimes.Get(JobId, record.State.SpecJson);
        var (job, workload) = (runtime.Job, runtime.Workload);
        var device = ComputeDevice.Parse(job.Spec.Cluster.Device);
        var context = new RunContext(record.State.ArtifactsFolder!, job.Spec.Seed, device, null, _cancel.Token);
        Directory.CreateDirectory(context.OutputDirectory);
        await File.WriteAllTextAsync(context.PathOf("spec.json"), record.State.SpecJson);
        var clock = Stopwatch.StartNew();
        nn.Module? model = null;
        IDataParallelLearner? learner = null;
        try
        {
            (model, learner) = await Task.Run(() =>
            {
                var m = workload.CreateReplica();
                m.to(device);
                return (m, workload.CreateLearner(m, context));
            });
            var round = new DataParallelRound(JobId, GrainFactory, exchange, options.Value, logger);
            long rows = 0;
            var saved = Stopwatch.StartNew();
            Publish(model, version: 0);
            for (long r = 1; r <= workload.Rounds; r++)
            {
                _cancel.Token.ThrowIfCancellationRequested();
                var results = await round.Run(r, model, workload.Workers, _cancel.Token);
                rows += (long)workload.Workers * workload.RowsPerWorker;
                var rowMetrics = results[0].Metrics.Keys.ToDictionary(k => k, k => results.Average(x => x.Metrics[k]));
                var learnerRef = learner;
                var row = await Task.Run(() =>
                {
                    learnerRef.Apply(r);
                    var endOfRound = learnerRef.EndRound(r, rowMetrics, rows / clock.Elapsed.TotalSeconds);
                    if (workload.CheckpointEvery > 0 && r % workload.CheckpointEvery == 0) learnerRef.SaveCheckpoint(r);
                    return endOfRound;
                });
                Publish(model, version: r);
                exchange.Retire(JobId, r);
                record.State.Round = r;
                // Figures measured only every N rounds come as NaN in between: keep their last measured value.
                foreach (var (name, value) in row)
                    if (double.IsFinite(value) || !record.State.Metrics.ContainsKey(name)) record.State.Metrics[name] = value;
                record.State.WorkerSilos = results.Select(x => x.Silo).Distinct().Order().ToList();
                // Persist progress now and then, so status answered from storage (after a silo change) moves on too.
                if (saved.Elapsed >= SaveEvery)
                {
                    await record.WriteStateAsync();
                    saved.Restart();
                }
            }
            var summary = await Task.Run(() => learner.Finish(clock.Elapsed.TotalSeconds));
            foreach (var (name, value) in summary.Figures) record.State.Metrics[name] = value;
            await Finish(JobState.Succeeded, $"done in {summary.WallSeconds:F1} s");
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            await Finish(JobState.Cancelled, $"cancelled at round {record.State.Round}");
        }
        catch (Exception e)
        {
            logger.LogError(e, "job {Job} failed", JobId);
            await Finish(JobState.Failed, e.GetBaseException().Message);
        }
        finally
        {
            learner?.Dispose();
            model?.Dispose();
            await ReleaseWorkers(workload.Workers);
            runtimes.Release(JobId);
            _timer?.Dispose();
        }
    }

    private void Publish(nn.Module model, long version) =>
        exchange.PutLocal(TensorKey.ParametersOf(JobId, version),
            new TensorPayload([ParameterVector.Count(model.parameters())], ParameterVector.Flatten(model.parameters())));

    private async Task ReleaseWorkers(int workers)
    {
        exchange.ReleaseJob(JobId);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => GrainFactory.GetGrain<ITrainerWorkerGrain>(JobIds.Member(JobId, w)).Release()));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "job {Job}: could not release every worker", JobId);
        }
    }

    private async Task Finish(JobState state, string message)
    {
        record.State.State = state;
        record.State.Message = message;
        record.State.FinishedAt = DateTimeOffset.UtcNow;
        await record.WriteStateAsync();
        logger.LogInformation("job {Job}: {State} ({Message})", JobId, state, message);
    }
}
