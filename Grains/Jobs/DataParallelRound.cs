using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using static TorchSharp.torch;

namespace DistGen.Grains.Jobs;

/// <summary>
/// One synchronous data-parallel round as DESIGN.md describes it: parameters of version v are in the coordinator's
/// store; every worker steps; when all gradients of the round are in, their mean is left in the model's gradients.
/// A round whose workers fail or miss the deadline is repeated with the same version (shards replay the same tickets).
/// </summary>
public sealed class DataParallelRound
{
    private readonly string _jobId;
    private readonly IGrainFactory _grains;
    private readonly ITensorExchange _exchange;
    private readonly JobArtifactsOptions _options;
    private readonly ResiliencePipeline _repeat;
    // Reused every round: its buffers are the size of the model.
    private GradientAverage? _average;

    public DataParallelRound(string jobId, IGrainFactory grains, ITensorExchange exchange, JobArtifactsOptions options, ILogger logger)
    {
        (_jobId, _grains, _exchange, _options) = (jobId, grains, exchange, options);
        // Repeat a failed round with jittered exponential backoff: a draining silo refuses calls for a few seconds,
        // then its workers are placed on the remaining silos.
        _repeat = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = Math.Max(0, options.RoundAttempts - 1),
                Delay = options.RoundRetryDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = retry =>
                {
                    logger.LogWarning("job {Job}: repeating a round after attempt {Attempt} failed: {Error}", jobId, retry.AttemptNumber + 1,
                        retry.Outcome.Exception?.GetBaseException().Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public async Task<IReadOnlyList<WorkerStepResult>> Run(long round, nn.Module model, int workers, CancellationToken cancellation)
    {
        var step = new WorkerStep(round, round - 1, _exchange.LocalEndpoint);
        try
        {
            return await _repeat.ExecuteAsync(async token =>
            {
                try
                {
                    var calls = Enumerable.Range(0, workers)
                        .Select(w => _grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(_jobId, w)).Step(step));
                    var results = await Task.WhenAll(calls).WaitAsync(_options.RoundTimeout, token);
                    AverageGradientsInto(model, round, workers);
                    return (IReadOnlyList<WorkerStepResult>)results;
                }
                catch
                {
                    DropGradients(round, workers);
                    throw;
                }
            }, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"round {round} failed {_options.RoundAttempts} times; last error: {e.GetBaseException().Message}", e);
        }
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
