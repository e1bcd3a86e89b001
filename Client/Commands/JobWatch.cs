using DistGen.Contracts.Jobs;

namespace DistGen.Client.Commands;

/// <summary>Follows a job until it ends: its progress (round, headline metrics, ETA), then one closing line.</summary>
public static class JobWatch
{
    /// <summary>
    /// Follows job <paramref name="jobId"/> to its end. When it waits (for labels) and <paramref name="whenWaiting"/> is
    /// given, the progress display stops and <paramref name="whenWaiting"/> runs (e.g. a labelling console in this
    /// terminal); it answers whether to go on following.
    /// </summary>
    public static async Task<int> FollowAsync(IGrainFactory grains, string jobId, CancellationToken cancel, TimeSpan? poll = null,
        Func<JobStatus, CancellationToken, Task<bool>>? whenWaiting = null)
    {
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var status = await JobCommands.FindAsync(grains, jobId, cancel);
        if (status is null)
        {
            Console.Error.WriteLine($"no job or sweep '{jobId}' in this cluster; see distgen list");
            return ExitCodes.BadInput;
        }
        var interval = poll ?? TimeSpan.FromMilliseconds(500);
        while (true)
        {
            status = await ConsoleProgress.ShowAsync("round", async progress =>
            {
                string? shownState = null;
                while (true)
                {
                    progress.Report(JobTable.Progress(status));
                    if (status.IsFinished || (whenWaiting is not null && status.WaitingFor is not null)) return status;
                    // A wait (for labels) is said once when it starts, with what to do; the rounds resume after it.
                    if (status.WaitingFor is not null && status.StateName != shownState) progress.Note($"{jobId}: {status.StateName}: {status.Message}");
                    shownState = status.StateName;
                    await Task.Delay(interval, cancel);
                    status = await StatusPolling.GetStatusAsync(coordinator, cancel);
                }
            });
            if (status.IsFinished) break;
            if (!await whenWaiting!(status, cancel)) return ExitCodes.BadInput;
            // Until the job has taken the answers in, it still shows the wait.
            while (status.WaitingFor is not null && !status.IsFinished)
            {
                await Task.Delay(interval, cancel);
                status = await StatusPolling.GetStatusAsync(coordinator, cancel);
            }
        }
        Console.WriteLine($"{jobId}: {status.StateName} ({status.Message})");
        if (status.State != JobState.Succeeded)
            Console.Error.WriteLine(status.State == JobState.Cancelled ? "the job was cancelled; distgen fetch gets what it wrote" : "the job failed; see the message above and the silo logs");
        return status.State == JobState.Succeeded ? ExitCodes.Success : ExitCodes.JobFailed;
    }
}
