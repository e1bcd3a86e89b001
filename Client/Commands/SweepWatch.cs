using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;
using DistGen.Training.Core;
using DistGen.Training.Sweeps;

namespace DistGen.Client.Commands;

/// <summary>
/// Follows a sweep until every member has ended: a progress bar over its member jobs, a line whenever a member starts
/// or ends (with its silos, or its reported figures), then the table.
/// </summary>
public static class SweepWatch
{
    public static async Task<int> FollowAsync(IGrainFactory grains, string sweepId, CancellationToken cancel, TimeSpan? poll = null)
    {
        var sweep = grains.GetGrain<ISweepGrain>(sweepId);
        var status = await StatusPolling.GetSweepStatusAsync(sweep, cancel);
        if (status.SubmittedAt == default)
        {
            Console.Error.WriteLine($"no job or sweep '{sweepId}' in this cluster; see distgen list");
            return ExitCodes.BadInput;
        }
        var interval = poll ?? TimeSpan.FromSeconds(1);
        Console.WriteLine($"{sweepId}: {status.Members.Count} {status.Workload} jobs over {status.Parameter}, at most {status.MaxConcurrentJobs} at once");
        var said = new Dictionary<int, string>();
        status = await ConsoleProgress.ShowAsync("jobs ended", async progress =>
        {
            while (true)
            {
                foreach (var member in status.Members)
                {
                    // Once when it starts computing (when its silos are known) and once when it ends.
                    var news = member.IsFinished ? member.State : member.Silos.Count > 0 ? "running" : null;
                    if (news is null || said.GetValueOrDefault(member.Index) == news) continue;
                    said[member.Index] = news;
                    progress.Note(Line(member));
                }
                progress.Report(new TrainingProgress(status.Ended, status.Members.Count, new Dictionary<string, double> { ["running"] = status.Running }));
                if (status.IsFinished) return status;
                await Task.Delay(interval, cancel);
                status = await StatusPolling.GetSweepStatusAsync(sweep, cancel);
            }
        });
        Console.WriteLine();
        Console.WriteLine(status.Table);
        Console.WriteLine($"{sweepId}: {status.StateName} ({status.Message})");
        return status.State == JobState.Succeeded ? ExitCodes.Success : ExitCodes.JobFailed;
    }

    /// <summary>What a member's change of state is worth a line for.</summary>
    public static string Line(SweepMemberStatus member)
    {
        var head = $"member {member.Index} ({member.Label}) {member.JobId}: {member.State}";
        if (!member.IsFinished) return $"{head} on {string.Join(", ", member.Silos)}";
        var figures = member.Metrics.Where(kv => kv.Key.StartsWith("auroc", StringComparison.Ordinal))
            .Select(kv => $"{kv.Key} {SweepTable.Format(kv.Key, kv.Value)} %").ToList();
        return member.State == "succeeded" ? $"{head}{(figures.Count > 0 ? ", " + string.Join(", ", figures) : "")}" : $"{head}: {member.Message}";
    }
}
