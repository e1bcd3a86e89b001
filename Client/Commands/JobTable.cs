using System.Globalization;
using DistGen.Contracts.Jobs;
using DistGen.Training.Core;
using Spectre.Console;

namespace DistGen.Client.Commands;

/// <summary>How jobs look on the console.</summary>
public static class JobTable
{
    private static readonly string[] Headline = ["train_neg_elbo", "test_neg_elbo", "train_loss", "val_loss", "d_loss", "g_loss", "modes_covered",
        "samples_per_s", "mean_return_last_100", "env_steps", "env_steps_per_s", "rm_loss", "rm_accuracy", "rm_score", "rule_score", "kl",
        "win_rate_vs_start", "distinct_2", "policy_lag_mean", "dropped_stale_batches"];

    /// <summary>A job's status as a progress report: its round and its headline metrics, in the order above.</summary>
    public static TrainingProgress Progress(JobStatus status)
    {
        var metrics = new OrderedDictionary<string, double>();
        foreach (var name in Headline)
            if (status.Metrics.TryGetValue(name, out var value)) metrics.Add(name, value);
        return new TrainingProgress(status.Round, status.TotalRounds, metrics);
    }

    public static void PrintStatus(JobStatus status)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string? value) => grid.AddRow(name, Markup.Escape(value ?? ""));
        Row("job", status.JobId);
        Row("workload", $"{status.Workload} ({status.Name})");
        Row("state", status.StateName);
        Row("round", $"{status.Round}/{status.TotalRounds}");
        Row("workers", WorkersLine(status));
        Row("coordinator", status.CoordinatorDevice is { } device ? $"{status.CoordinatorSilo} ({device})" : status.CoordinatorSilo);
        foreach (var member in status.Members) Row(member.Member, $"{member.Silo} ({member.Device})");
        if (status.Takeovers > 0)
            Row("takeovers", status.ContinuedFromRound is { } from
                ? $"{status.Takeovers} (the coordinator moved; the latest continued from round {from})"
                : $"{status.Takeovers} (the coordinator moved; the latest is starting from the last checkpoint)");
        Row("submitted", status.SubmittedAt.ToString("u", CultureInfo.InvariantCulture));
        if (status.FinishedAt is { } finished) Row("finished", finished.ToString("u", CultureInfo.InvariantCulture));
        if (status.RepeatedAttempts > 0) Row("failed attempts", $"{status.RepeatedAttempts} round attempts failed and were repeated ({status.RefusedTensors} for a refused tensor)");
        if (status.Message is not null) Row("message", status.Message);
        // The live page (curves, sample, cancel) on the coordinator's silo; any silo's HTTP port serves it at /jobs/ID.
        if (status.Page is not null) Row("page", status.Page);
        foreach (var (name, value) in status.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Row(name, value.ToString("G6", CultureInfo.InvariantCulture));
        AnsiConsole.Write(grid);
    }

    /// <summary>How many workers and on which silos; before its first round a job's workers have reported no silo yet.</summary>
    public static string WorkersLine(JobStatus status) => status.WorkerSilos.Count == 0
        ? $"{status.Workers} (no round run yet)"
        : $"{status.Workers} on {string.Join(", ", status.WorkerSilos)}";

    public static void PrintList(IReadOnlyList<JobStatus> jobs)
    {
        if (jobs.Count == 0)
        {
            Console.WriteLine("no jobs yet; submit one with: distgen submit SPEC");
            return;
        }
        var table = new Table().AddColumns("job", "workload", "state", "round", "workers", "submitted");
        foreach (var job in jobs)
            table.AddRow(Markup.Escape(job.JobId), job.Workload, job.StateName, $"{job.Round}/{job.TotalRounds}",
                job.Workers.ToString(CultureInfo.InvariantCulture), job.SubmittedAt.ToString("u", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
