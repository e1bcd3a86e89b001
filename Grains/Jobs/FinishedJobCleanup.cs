using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Runs;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Each silo's catch-up for <see cref="JobRelease"/>: every <see cref="Period"/> it asks the coordinator of each job that
/// still has tensors in this silo's store, or a workload cached in this process, for the job's state, and frees what a
/// finished job holds. So a silo that could not be reached when a job ended (partitioned, paused, too slow) frees the
/// job's tensors within a period of being reachable again; a silo that restarted holds nothing anyway. A job that is
/// unknown, still running, or whose coordinator does not answer keeps its tensors until a later cleanup knows better.
/// </summary>
public sealed class FinishedJobCleanup(TensorStore store, JobWorkloads workloads, IGrainFactory grains, ILogger<FinishedJobCleanup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How often a silo cleans up: the period of a job's reminder, so a missed release lasts no longer than a missed takeover.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(FinishedJobCleanup), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>Frees what finished jobs hold in this silo; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> CleanUpAsync(CancellationToken cancellation = default)
    {
        var released = new List<string>();
        foreach (var job in store.Usage().Jobs.Union(workloads.Jobs, StringComparer.Ordinal).ToList())
        {
            if (!await IsFinishedAsync(job, cancellation)) continue;
            int tensors = store.ReleaseJob(job);
            workloads.Release(job);
            released.Add(job);
            logger.LogInformation("job {Job} has ended: freed the {Tensors} tensor(s) and the workload it had left on this silo", job, tensors);
        }
        return released;
    }

    private async Task<bool> IsFinishedAsync(string job, CancellationToken cancellation)
    {
        try
        {
            return (await grains.GetGrain<IJobCoordinatorGrain>(job).GetStatus().WaitAsync(JobRelease.AskTimeout, cancellation)).IsFinished;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug("job {Job}: could not read its state to free its tensors ({Error}); the next cleanup asks again", job, e.GetBaseException().Message);
            return false;
        }
    }

    private Task StartAsync(CancellationToken _)
    {
        _loop = SweepEveryPeriodAsync();
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellation)
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop.WaitAsync(cancellation);
    }

    private async Task SweepEveryPeriodAsync()
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) await CleanUpAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }
}
