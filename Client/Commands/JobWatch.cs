using DistGen.Contracts.Jobs;
using Spectre.Console;

namespace DistGen.Client.Commands;

/// <summary>Follows a job until it ends: a live progress bar (round, loss, samples/s, ETA), then one closing line.</summary>
public static class JobWatch
{
    public static async Task<int> FollowAsync(IGrainFactory grains, string jobId, CancellationToken cancel, TimeSpan? poll = null)
    {
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var status = await JobCommands.FindAsync(grains, jobId, cancel);
        if (status is null)
        {
            Console.Error.WriteLine($"no job '{jobId}' in this cluster; see distgen list");
            return ExitCodes.BadInput;
        }
        var interval = poll ?? TimeSpan.FromMilliseconds(500);
        if (Console.IsOutputRedirected)
        {
            // Logs and CI: a line whenever the round moves on by 5 % or more.
            long lastPrinted = -1;
            while (!status.IsFinished)
            {
                long twentieth = status.TotalRounds > 0 ? status.Round * 20 / status.TotalRounds : 0;
                if (twentieth != lastPrinted) Console.WriteLine(JobTable.ProgressLine(status));
                lastPrinted = twentieth;
                await Task.Delay(interval, cancel);
                status = await StatusPolling.GetStatusAsync(coordinator, cancel);
            }
        }
        else
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(jobId, maxValue: Math.Max(1, status.TotalRounds));
                    while (!status.IsFinished)
                    {
                        task.Value = status.Round;
                        task.Description = Markup.Escape(JobTable.ProgressLine(status));
                        await Task.Delay(interval, cancel);
                        status = await StatusPolling.GetStatusAsync(coordinator, cancel);
                    }
                    task.Value = status.Round;
                    task.Description = Markup.Escape(JobTable.ProgressLine(status));
                });
        }
        Console.WriteLine($"{jobId}: {status.State.ToString().ToLowerInvariant()} ({status.Message})");
        if (status.State != JobState.Succeeded)
            Console.Error.WriteLine(status.State == JobState.Cancelled ? "the job was cancelled; distgen fetch gets what it wrote" : "the job failed; see the message above and the silo logs");
        return status.State == JobState.Succeeded ? ExitCodes.Success : ExitCodes.JobFailed;
    }
}
