using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Runs a round (or a GAN substep) until it succeeds: one whose workers fail, miss the deadline or send a refused tensor
/// is repeated with the same parameter versions (rows and noise are functions of the round, so they are the same again),
/// with jittered exponential backoff, so a draining silo's workers can move to the remaining silos meanwhile. After
/// Artifacts:RoundAttempts attempts the job fails with the last error. Every workload family repeats its rounds with it.
/// </summary>
public sealed class RoundRepeat
{
    private readonly JobArtifactsOptions _options;
    private readonly ResiliencePipeline _repeat;

    public RoundRepeat(string jobId, JobArtifactsOptions options, ILogger logger)
    {
        _options = options;
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
                    logger.LogWarning("job {Job}: repeating after attempt {Attempt} failed: {Error}", jobId, retry.AttemptNumber + 1,
                        retry.Outcome.Exception?.GetBaseException().Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (bounded by Artifacts:RoundTimeout) until it returns; <paramref name="abandon"/>
    /// clears what a failed attempt left (e.g. gradients already pushed). <paramref name="cancellation"/> is observed only
    /// between attempts and while one waits, never after the attempt returned.
    /// </summary>
    public async Task<T> Run<T>(string what, Func<CancellationToken, Task<T>> attempt, Action abandon, CancellationToken cancellation)
    {
        try
        {
            return await _repeat.ExecuteAsync(async token =>
            {
                try
                {
                    return await attempt(token).WaitAsync(_options.RoundTimeout, token);
                }
                catch
                {
                    abandon();
                    throw;
                }
            }, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{what} failed {_options.RoundAttempts} times; last error: {e.GetBaseException().Message}", e);
        }
    }
}
