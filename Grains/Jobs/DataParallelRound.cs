using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using static TorchSharp.torch;

namespace DistGen.Grains.Jobs;

/// <summary>
/// One synchronous data-parallel round as DESIGN.md describes it: parameters of version v are in the coordinator's
/// store; every worker steps; when all gradients of the round are in, their mean is left in the model's gradients.
/// A round whose workers fail or miss the deadline is repeated with the same version (shards replay the same tickets).
/// </summary>
public sealed class DataParallelRound(string jobId, IGrainFactory grains, ITensorExchange exchange, JobArtifactsOptions options)
{
    public async Task<IReadOnlyList<WorkerStepResult>> Run(long round, nn.Module model, int workers, CancellationToken cancellation)
    {
        var step = new WorkerStep(round, round - 1, exchange.LocalEndpoint);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var calls = Enumerable.Range(0, workers)
                    .Select(w => grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(jobId, w)).Step(step));
                var results = await Task.WhenAll(calls).WaitAsync(options.RoundTimeout, cancellation);
                AverageGradientsInto(model, round, workers);
                return results;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
            {
                DropGradients(round, workers);
                if (attempt >= options.RoundAttempts)
                    throw new InvalidOperationException($"round {round} failed {attempt} times; last error: {e.GetBaseException().Message}", e);
            }
        }
    }

    private void AverageGradientsInto(nn.Module model, long round, int workers)
    {
        GradientAverage? average = null;
        for (int w = 0; w < workers; w++)
        {
            var key = TensorKey.GradientsOf(jobId, round, JobIds.Member(jobId, w));
            if (!exchange.TryTakeLocal(key, out var gradient) || gradient is null)
                throw new InvalidOperationException($"worker {w} reported round {round} done but its gradient {key} is not in the store");
            average ??= new GradientAverage(gradient.Data.Length);
            average.Add(gradient.Data);
        }
        ParameterVector.AssignGradients(model.parameters(), average!.Mean());
    }

    private void DropGradients(long round, int workers)
    {
        for (int w = 0; w < workers; w++) exchange.TryTakeLocal(TensorKey.GradientsOf(jobId, round, JobIds.Member(jobId, w)), out _);
    }
}
