using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Grains.Jobs;

/// <summary>
/// The coordinator's side of a data-parallel run: the model and its learner; each round publishes the parameters,
/// has the W trainer workers compute their rows' gradients (<see cref="DataParallelRound"/>), applies their mean.
/// </summary>
public sealed class DataParallelRun(JobRunContext context) : ICoordinatedRun
{
    private readonly IDataParallelWorkload _workload = (IDataParallelWorkload)context.Workload;
    private readonly Stopwatch _clock = new();
    private nn.Module? _model;
    private IDataParallelLearner? _learner;
    private DataParallelRound? _round;
    private long _rows;

    private nn.Module Model => _model ?? throw new InvalidOperationException("the run has not started");
    private IDataParallelLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    public async Task<long> StartAsync(bool resume)
    {
        long completed = await Task.Run(() =>
        {
            _model = _workload.CreateReplica();
            _model.to(context.Run.Device);
            _learner = _workload.CreateLearner(_model, context.Run);
            return resume ? _learner.Resume() : 0L;
        });
        // Tensors an earlier activation left in this silo's store are of no use to this run.
        if (resume) context.Exchange.ReleaseJob(context.JobId);
        _round = new DataParallelRound(context);
        Publish(completed);
        _clock.Start();
        return completed;
    }

    public async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        var results = await _round!.Run(round, Model, _workload.Workers, cancellation);
        _rows += (long)_workload.Workers * _workload.RowsPerWorker;
        var rowMetrics = results[0].Metrics.Keys.ToDictionary(k => k, k => results.Average(x => x.Metrics[k]));
        double samplesPerSecond = _rows / _clock.Elapsed.TotalSeconds;
        // Apply and EndRound never observe cancellation, so the model is always that of a completed round.
        var row = await Task.Run(() =>
        {
            Learner.Apply(round);
            return Learner.EndRound(round, rowMetrics, samplesPerSecond);
        });
        Publish(round);
        context.Exchange.Retire(context.JobId, round);
        return new RoundReport(row, results.Select(x => x.Silo).Distinct().Order().ToList());
    }

    public Task CheckpointAsync(long round) => Task.Run(() => Learner.SaveCheckpoint(round));

    public Task<TrainingSummary> FinishAsync(double wallSeconds) => Task.Run(() => Learner.Finish(wallSeconds));

    public async Task ReleaseWorkersAsync()
    {
        context.Exchange.ReleaseJob(context.JobId);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _workload.Workers)
                .Select(w => context.Grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(context.JobId, w)).Release()));
        }
        catch (Exception e)
        {
            context.Logger.LogWarning(e, "job {Job}: could not release every worker", context.JobId);
        }
    }

    public void Dispose()
    {
        _learner?.Dispose();
        _model?.Dispose();
    }

    private void Publish(long version) =>
        context.Exchange.PutLocal(TensorKey.ParametersOf(context.JobId, version),
            new TensorPayload([ParameterVector.Count(Model.parameters())], ParameterVector.Flatten(Model.parameters())));
}
