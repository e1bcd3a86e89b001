using DistGen.Contracts.Jobs;

namespace DistGen.Grains.JobPages;

/// <summary>One chart of a job page: its title, the metrics.csv columns it draws, how many points it drew, and the SVG.</summary>
public sealed record JobChart(string Title, string[] Columns, int Points, string Svg);

/// <summary>
/// Draws a job's curves as SVG on the server with ScottPlot (the library that draws loss.png), so the pages need no
/// charting script and nothing at run time reaches the internet. The losses share one chart (any column whose name
/// has "loss" or "elbo"), the throughputs another (names ending in "_per_s"); every other figure (quality, return, KL)
/// gets its own. Steps where a figure was not measured (NaN) are left out.
/// </summary>
public static class JobCharts
{
    public const int Width = 520;
    public const int Height = 280;

    /// <summary>The charts of <paramref name="curves"/>, losses first, then throughput, then the other figures by name.</summary>
    public static IReadOnlyList<JobChart> Draw(JobCurves curves)
    {
        var groups = Group(curves.Columns);
        return groups.Select(g => Draw(g.Title, g.Columns, curves)).ToList();
    }

    /// <summary>Which columns are drawn together, and under what title.</summary>
    public static IReadOnlyList<(string Title, string[] Columns)> Group(IReadOnlyList<string> columns)
    {
        var losses = columns.Where(IsLoss).ToArray();
        var throughput = columns.Where(c => !IsLoss(c) && c.EndsWith("_per_s", StringComparison.Ordinal)).ToArray();
        var groups = new List<(string, string[])>();
        if (losses.Length > 0) groups.Add(("losses", losses));
        if (throughput.Length > 0) groups.Add(("throughput (per second)", throughput));
        groups.AddRange(columns.Except(losses).Except(throughput).Order(StringComparer.Ordinal).Select(c => (c, new[] { c })));
        return groups;
    }

    private static bool IsLoss(string column) =>
        column.Contains("loss", StringComparison.Ordinal) || column.Contains("elbo", StringComparison.Ordinal);

    private static JobChart Draw(string title, string[] columns, JobCurves curves)
    {
        var plot = new ScottPlot.Plot();
        plot.Title(title, size: 14);
        plot.XLabel("step", size: 12);
        int drawn = 0;
        foreach (var column in columns)
        {
            var values = curves.Values[Array.IndexOf(curves.Columns, column)];
            var points = curves.Steps.Zip(values).Where(p => double.IsFinite(p.Second)).ToArray();
            if (points.Length == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => (double)p.First).ToArray(), points.Select(p => p.Second).ToArray());
            // One series: the title names it.
            if (columns.Length > 1) line.LegendText = column;
            line.LineWidth = 1.5f;
            // A single point is a marker; a curve is a line.
            line.MarkerSize = points.Length == 1 ? 5 : 0;
            drawn += points.Length;
        }
        if (columns.Length > 1) plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        else plot.HideLegend();
        // The element alone, without its XML declaration: the page puts it inside its own HTML.
        var svg = plot.GetSvgXml(Width, Height);
        return new JobChart(title, columns, drawn, svg[svg.IndexOf("<svg", StringComparison.Ordinal)..]);
    }
}
