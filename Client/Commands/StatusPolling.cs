using DistGen.Client.Connection;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;
using Polly;
using Polly.Retry;

namespace DistGen.Client.Commands;

/// <summary>
/// Asks a job's (or sweep's) status again after a lost connection while a silo leaves or dies, as long as the cluster comes back
/// within <see cref="LostFor"/>: the gateway the console used may be the silo that went away, and the job's coordinator
/// may be moving. Only then is the cluster reported unreachable.
/// </summary>
public static class StatusPolling
{
    public static readonly TimeSpan LostFor = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    public static ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException
                && (e is SiloUnavailableException || ClusterConnection.IsUnreachable(e))),
            MaxRetryAttempts = (int)(LostFor / Delay),
            Delay = Delay,
            BackoffType = DelayBackoffType.Constant,
            OnRetry = retry =>
            {
                if (retry.AttemptNumber == 0) Console.Error.WriteLine("lost contact with the cluster (a silo leaving?); asking again...");
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    public static Task<JobStatus> GetStatusAsync(IJobCoordinatorGrain coordinator, CancellationToken cancel) =>
        Pipeline.ExecuteAsync(async _ => await coordinator.GetStatus(), cancel).AsTask();

    public static Task<SweepStatus> GetSweepStatusAsync(ISweepGrain sweep, CancellationToken cancel) =>
        Pipeline.ExecuteAsync(async _ => await sweep.GetStatus(), cancel).AsTask();
}
