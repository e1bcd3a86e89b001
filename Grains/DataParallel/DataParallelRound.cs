using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using static TorchSharp.torch;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// One synchronous data-parallel round (docs/architecture.md, "A data-parallel round"): parameters of version v are in the coordinator's
/// store; every worker steps; when all gradients of the round are in, their mean is left in the model's gradients.
/// A round whose workers fail or miss the deadline is repeated with the same version (shards replay the same rows).
/// </summary>
public sealed class DataParallelRound(CoordinatedRunContext context)
{
    private readonly RoundRepeat _repeat = new(context);
    private readonly PushedGradients _gradients = new(context.Exchange);

    public async Task<IReadOnlyList<WorkerStepResult>> Run(long round, nn.Module model, int workers, CancellationToken cancellation)
    {
        var step = new WorkerStep(round, round - 1, context.Silo);
        var keys = Enumerable.Range(0, workers).Select(w => TensorKey.GradientsOf(context.JobId, round, JobIds.Member(context.JobId, w))).ToList();
        return await _repeat.Run($"round {round}", async token =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, workers)
                .Select(w => context.Grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(context.JobId, w)).Step(step))).WaitAsync(token);
            _gradients.AverageInto(model.parameters().ToList(), keys, $"round {round}");
            return (IReadOnlyList<WorkerStepResult>)results;
        }, () => _gradients.Drop(keys), cancellation);
    }
}
