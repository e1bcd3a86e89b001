using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// The coordinator's side of a data-parallel run (VAE, char-LM): the model and its learner; each round publishes the
/// parameters, has the W trainer workers compute their rows' gradients (<see cref="DataParallelRound"/>), applies their mean.
/// An elastic job first moves workers to a silo that joined (<see cref="ElasticSpread"/>).
/// </summary>
public sealed class DataParallelRun(CoordinatedRunContext context, IDataParallelWorkload workload) : CoordinatedRun(context)
{
    private readonly DataParallelRound _round = new(context);
    private readonly ElasticSpread? _elastic = context.Job.Spec.Cluster.Elastic ? new ElasticSpread(context.PlacementSilos, context.JobId, context.Logger) : null;
    private SiloAddress?[] _hosts = new SiloAddress?[workload.Workers];
    private nn.Module? _model;
    private IDataParallelLearner? _learner;
    private long _rows;

    private nn.Module Model => _model ?? throw new InvalidOperationException("the run has not started");
    private IDataParallelLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    protected override void Build()
    {
        _model = workload.CreateReplica();
        _model.to(Context.Run.Device);
        _learner = workload.CreateLearner(_model, Context.Run);
    }

    protected override long Resume() => Learner.Resume();

    protected override void PublishStart(long completed) => Publish(TensorKey.ParametersOf(JobId, completed), Model.parameters());

    public override async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        if (_elastic is not null) await _elastic.RebalanceAsync(_hosts, Worker);
        var results = await _round.Run(round, Model, workload.Workers, Context.Job.Spec.Cluster.GradientGroups, cancellation);
        _hosts = results.Select(r => r.Host).ToArray();
        _rows += (long)workload.Workers * workload.RowsPerWorker;
        var rowMetrics = results[0].Metrics.Keys.ToDictionary(k => k, k => results.Average(x => x.Metrics[k]));
        double samplesPerSecond = _rows / Elapsed.TotalSeconds;
        // Apply and EndRound never observe cancellation, so the model is always that of a completed round.
        var row = await Task.Run(() =>
        {
            Learner.Apply(round);
            return Learner.EndRound(round, rowMetrics, samplesPerSecond);
        });
        Publish(TensorKey.ParametersOf(JobId, round), Model.parameters());
        Context.Exchange.Retire(JobId, round);
        return new RoundReport(row, results.Select(x => x.Silo).Distinct().Order().ToList());
    }

    protected override void SaveCheckpoint(long round) => Learner.SaveCheckpoint(round);

    protected override TrainingSummary Finish(double wallSeconds) => Learner.Finish(wallSeconds);

    protected override IEnumerable<IJobMemberGrain> Members() => Enumerable.Range(0, workload.Workers).Select(Worker);

    private ITrainerWorkerGrain Worker(int index) => Context.Grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(JobId, index));

    public override void Dispose()
    {
        _learner?.Dispose();
        _model?.Dispose();
    }
}
