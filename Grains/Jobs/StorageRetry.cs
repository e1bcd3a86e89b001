using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Polly;
using Polly.Retry;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Retries a grain-storage call (a read, a write, a reminder) with jittered backoff while storage is unreachable, up to a
/// deadline; then throws <see cref="StorageOutageException"/> naming the setting that bounds the wait. ETag conflicts
/// (<see cref="InconsistentStateException"/>) and cancellation are never retried: the caller decides what a conflict
/// means. Every attempt runs on the caller's context (<see cref="CallerContextPipeline"/>), so grains may use it.
/// </summary>
public sealed class StorageRetry
{
    private readonly string _subject;
    private readonly TimeSpan _deadline;
    private readonly string _setting;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;

    /// <param name="subject">Who waits, for the log (e.g. "job x", "job registry").</param>
    /// <param name="deadline">How long storage may stay unreachable.</param>
    /// <param name="setting">The setting that gave <paramref name="deadline"/>, named in the error.</param>
    /// <param name="logger">Where each failed attempt is logged.</param>
    public StorageRetry(string subject, TimeSpan deadline, string setting, ILogger logger)
    {
        (_subject, _deadline, _setting, _logger) = (subject, deadline, setting, logger);
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome.Exception is { } e && !IsNeverRetried(e)
                    && CallerContextPipeline.Elapsed(arguments.Context) < deadline),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>Runs <paramref name="operation"/> until it succeeds, it meets an ETag conflict, or the deadline passes.</summary>
    /// <param name="what">What the operation does, for the log and the error ("write the job record").</param>
    /// <param name="operation">The storage call.</param>
    /// <param name="cancellation">Stops the waits between attempts.</param>
    public async Task RunAsync(string what, Func<CancellationToken, Task> operation, CancellationToken cancellation = default)
    {
        var started = DateTimeOffset.UtcNow;
        try
        {
            await _retry.ExecuteOnCallerContextAsync(async token =>
            {
                try
                {
                    await operation(token);
                    return true;
                }
                catch (Exception e) when (!IsNeverRetried(e))
                {
                    _logger.LogWarning("{Subject}: could not {What} (storage unreachable for {Seconds:F0} s): {Error}", _subject, what,
                        (DateTimeOffset.UtcNow - started).TotalSeconds, e.GetBaseException().Message);
                    throw;
                }
            }, cancellation);
        }
        catch (Exception e) when (!IsNeverRetried(e))
        {
            throw new StorageOutageException($"job storage was unreachable for {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s " +
                $"({_setting} is {_deadline}); could not {what}: {e.GetBaseException().Message}", e);
        }
    }

    private static bool IsNeverRetried(Exception e) => e is InconsistentStateException or OperationCanceledException;
}

/// <summary>Job storage stayed unreachable longer than the setting the message names (Coordinator:OutageDeadline or Coordinator:CallOutageDeadline).</summary>
[GenerateSerializer]
public sealed class StorageOutageException(string message, Exception? inner) : Exception(message, inner);
