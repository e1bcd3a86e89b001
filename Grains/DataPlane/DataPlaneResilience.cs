using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The Polly pipeline around every data-plane call to one endpoint: jittered exponential retry (outermost), a circuit
/// breaker of that endpoint, and a time limit per attempt. Only transient failures are retried or counted.
/// </summary>
internal static class DataPlaneResilience
{
    /// <summary>
    /// Unavailable (connection refused or lost), DeadlineExceeded and an attempt's time-out are transient. Not
    /// ResourceExhausted: the store's budget refusal lasts until the coordinator consumes or retires tensors at a
    /// round boundary, so retrying within the back-off would only resend the whole tensor and delay the error the round
    /// logic needs; gRPC also uses that code for message-size limits, which never pass. Refusals of the secret, bad
    /// chunks and NotFound are answers, not accidents.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded,
        TimeoutRejectedException => true,
        _ => false,
    };

    public static ResiliencePipeline Create(string endpoint, DataPlaneOptions options, ILogger logger, TimeProvider time)
    {
        var transient = new PredicateBuilder().Handle<Exception>(IsTransient);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                OnRetry = retry =>
                {
                    Metrics.DataPlaneMeter.Retried();
                    logger.LogWarning("Data-plane call to {Endpoint} failed ({Reason}); retry {Attempt} of {Max} in {Delay} ms",
                        endpoint, retry.Outcome.Exception?.Message, retry.AttemptNumber + 1, options.MaxRetryAttempts,
                        (int)retry.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = transient,
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakDuration,
            OnOpened = opened =>
            {
                Metrics.DataPlaneMeter.CircuitChanged(endpoint, open: true);
                logger.LogWarning("Data-plane circuit to {Endpoint} opened for {Seconds} s", endpoint, opened.BreakDuration.TotalSeconds);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                Metrics.DataPlaneMeter.CircuitChanged(endpoint, open: false);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(options.CallTimeout);
        return builder.Build();
    }
}
