using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace DistGen.Grains.Jobs;

/// <summary>
/// One synchronous data-parallel round (docs/architecture.md, "A data-parallel round"): parameters of version v are in the coordinator's
/// store; every worker steps; when all gradients of the round are in, their mean is left in the model's gradients.
/// A round whose workers fail or miss the deadline is repeated with the same version (shards replay the same rows).
/// </summary>
public sealed class DataParallelRound
{
    private readonly string _jobId;
    private readonly IGrainFactory _grains;
    private readonly ITensorExchange _exchange;
    private readonly SiloAddress _silo;
    private readonly RoundRepeat _repeat;
    // Reused every round: its buffers are the size of the model.
    private GradientAverage? _average;

    public DataParallelRound(JobRunContext context)
    {
        (_jobId, _grains, _exchange, _silo) = (context.JobId, context.Grains, context.Exchange, context.Silo);
        _repeat = new RoundRepeat(context);
    }

    public async Task<IReadOnlyList<WorkerStepResult>> Run(long round, nn.Module model, int workers, CancellationToken cancellation)
    {
        var step = new WorkerStep(round, round - 1, _silo);
        return await _repeat.Run($"round {round}", async token =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, workers)
                .Select(w => _grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(_jobId, w)).Step(step))).WaitAsync(token);
            AverageGradientsInto(model, round, workers);
            return (IReadOnlyList<WorkerStepResult>)results;
        }, () => DropGradients(round, workers), cancellation);
    }

    private void AverageGradientsInto(nn.Module model, long round, int workers)
    {
        _average?.Reset();
        for (int w = 0; w < workers; w++)
        {
            var key = TensorKey.GradientsOf(_jobId, round, JobIds.Member(_jobId, w));
            if (!_exchange.TryTakeLocal(key, out var gradient) || gradient is null)
                throw new InvalidOperationException($"worker {w} reported round {round} done but its gradient {key} is not in the store");
            if (_average?.Length != gradient.Data.Length) _average = new GradientAverage(gradient.Data.Length);
            _average.Add(gradient.Data);
        }
        ParameterVector.AssignGradients(model.parameters(), _average!.Mean());
    }

    private void DropGradients(long round, int workers)
    {
        for (int w = 0; w < workers; w++) _exchange.TryTakeLocal(TensorKey.GradientsOf(_jobId, round, JobIds.Member(_jobId, w)), out _);
    }
}
