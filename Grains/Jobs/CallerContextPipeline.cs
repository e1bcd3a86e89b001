using Polly;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Runs a Polly pipeline so that every attempt, also those after a retry delay, runs on the caller's context. Inside a
/// grain that is the activation's scheduler: grain state, timers and the run's fields may only be touched there (Polly
/// otherwise resumes after its delays on the thread pool, where storage calls fail with an activation access violation).
/// The context also carries when the operation started, so a pipeline built once can give up after a deadline.
/// </summary>
public static class CallerContextPipeline
{
    private static readonly ResiliencePropertyKey<DateTimeOffset> StartedAt = new("distgen.operation-started");

    /// <summary>How long the operation of a retry's context has been going on.</summary>
    public static TimeSpan Elapsed(ResilienceContext context) =>
        context.Properties.TryGetValue(StartedAt, out var started) ? DateTimeOffset.UtcNow - started : TimeSpan.Zero;

    public static async ValueTask<T> ExecuteOnCallerContextAsync<T>(this ResiliencePipeline pipeline, Func<CancellationToken, ValueTask<T>> operation,
        CancellationToken cancellation)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellation);
        context.Properties.Set(StartedAt, DateTimeOffset.UtcNow);
        try
        {
            return await pipeline.ExecuteAsync(static (ctx, run) => run(ctx.CancellationToken), context, operation);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
