using DistGen.Grains.Jobs;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace DistGen.Grains.Runs;

/// <summary>
/// Runs a round (or a GAN substep) until it succeeds: one whose workers fail, miss the deadline or send a refused tensor
/// is repeated with the same parameter versions (rows and noise are functions of the round, so they are the same again),
/// with jittered exponential backoff, so a draining silo's workers can move to the remaining silos meanwhile. A fault
/// that passes with time (<see cref="TransientFaults"/>: a silo gone, a timeout, the data plane unreachable) is repeated
/// until it has lasted Coordinator:OutageDeadline; any other fault Rounds:Attempts times. Then the job fails with
/// the last error. Every workload family repeats its rounds with it.
/// </summary>
public sealed class RoundRepeat
{
    private readonly RoundOptions _options;
    private readonly ResiliencePipeline _repeat;
    private readonly ILogger _logger;
    private readonly string _jobId;
    private readonly RoundFaults? _faults;

    public RoundRepeat(string jobId, RoundOptions options, CoordinatorOptions coordinator, ILogger logger, RoundFaults? faults = null)
    {
        (_jobId, _options, _logger, _faults) = (jobId, options, logger, faults);
        _repeat = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome.Exception is { } e && e is not OperationCanceledException
                    && (arguments.AttemptNumber + 1 < options.Attempts
                        || (TransientFaults.IsTransient(e) && CallerContextPipeline.Elapsed(arguments.Context) < coordinator.OutageDeadline))),
                MaxRetryAttempts = int.MaxValue,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>The repeat of a coordinated run's rounds, with its job's options.</summary>
    public RoundRepeat(CoordinatedRunContext context) : this(context.JobId, context.Rounds, context.Coordinator, context.Logger, context.Faults) { }

    /// <summary>
    /// Runs <paramref name="attempt"/> (bounded by Rounds:Timeout) until it returns; <paramref name="abandon"/>
    /// clears what a failed attempt left (e.g. gradients already pushed). <paramref name="cancellation"/> is observed only
    /// between attempts and while one waits, never after the attempt returned.
    /// </summary>
    public async Task<T> Run<T>(string what, Func<CancellationToken, Task<T>> attempt, Action abandon, CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        int attempts = 0;
        try
        {
            return await _repeat.ExecuteOnCallerContextAsync(async token =>
            {
                attempts++;
                try
                {
                    return await attempt(token).WaitAsync(_options.Timeout, token);
                }
                catch (Exception e)
                {
                    abandon();
                    if (e is not OperationCanceledException)
                    {
                        _faults?.Failed(e);
                        _logger.LogWarning("job {Job}: {What}, attempt {Attempt} failed: {Error}", _jobId, what, attempts, e.GetBaseException().Message);
                    }
                    throw;
                }
            }, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{what} failed {attempts} times in {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s; " +
                $"last error: {e.GetBaseException().Message}", e);
        }
    }
}
