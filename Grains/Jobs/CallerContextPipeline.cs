using Polly;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Runs a Polly pipeline so that every attempt, also those after a retry delay, runs on the caller's context. Inside a
/// grain that is the activation's scheduler: grain state, timers and the run's fields may only be touched there (Polly
/// otherwise resumes after its delays on the thread pool, where storage calls fail with an activation access violation).
/// </summary>
public static class CallerContextPipeline
{
    public static async ValueTask<T> ExecuteOnCallerContextAsync<T>(this ResiliencePipeline pipeline, Func<CancellationToken, ValueTask<T>> operation,
        CancellationToken cancellation)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellation);
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
