using System.Globalization;
using DistGen.Contracts.Sweeps;
using DistGen.Training.Sweeps;
using Spectre.Console;

namespace DistGen.Client.Commands;

/// <summary>How sweeps look on the console.</summary>
public static class SweepView
{
    public static void PrintStatus(SweepStatus sweep)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string? value) => grid.AddRow(name, Markup.Escape(value ?? ""));
        Row("sweep", sweep.SweepId);
        Row("workload", $"{sweep.Workload} ({sweep.Name}), over {sweep.Parameter}");
        Row("state", sweep.StateName);
        Row("jobs", $"{sweep.Ended}/{sweep.Members.Count} ended, {sweep.Running} running (at most {sweep.MaxConcurrentJobs} at once)");
        Row("silo", sweep.Silo);
        if (sweep.Takeovers > 0) Row("takeovers", $"{sweep.Takeovers} (the sweep moved to another silo)");
        Row("submitted", sweep.SubmittedAt.ToString("u", CultureInfo.InvariantCulture));
        if (sweep.FinishedAt is { } finished) Row("finished", finished.ToString("u", CultureInfo.InvariantCulture));
        if (sweep.Message is not null) Row("message", sweep.Message);
        AnsiConsole.Write(grid);
        var columns = sweep.Mean.Count > 0 ? sweep.Mean.Keys.ToList()
            : sweep.Members.SelectMany(m => m.Metrics.Keys).Where(k => k.StartsWith("auroc_", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = new Table().AddColumns(["member", sweep.Parameter, "job", "state", "round", "silos", .. columns.Select(c => SweepTable.InPercent(c) ? $"{c} %" : c)]);
        foreach (var m in sweep.Members)
            table.AddRow([m.Index.ToString(CultureInfo.InvariantCulture), Markup.Escape(m.Label), Markup.Escape(m.JobId ?? "-"), m.State,
                m.TotalRounds > 0 ? $"{m.Round}/{m.TotalRounds}" : "", Markup.Escape(string.Join(", ", m.Silos)),
                .. columns.Select(c => m.Metrics.TryGetValue(c, out var v) ? SweepTable.Format(c, v) : "")]);
        if (sweep.Mean.Count > 0) table.AddRow(["mean", "", "", "", "", "", .. columns.Select(c => SweepTable.Format(c, sweep.Mean[c]))]);
        AnsiConsole.Write(table);
    }

    public static void PrintList(IReadOnlyList<SweepStatus> sweeps)
    {
        var table = new Table().AddColumns("sweep", "workload", "state", "jobs ended", "running", "submitted");
        foreach (var s in sweeps)
            table.AddRow(Markup.Escape(s.SweepId), s.Workload, s.StateName, $"{s.Ended}/{s.Members.Count}", s.Running.ToString(CultureInfo.InvariantCulture),
                s.SubmittedAt.ToString("u", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
