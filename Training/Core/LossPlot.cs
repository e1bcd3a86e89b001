namespace DistGen.Training.Core;

/// <summary>Draws training curves (one line per named series over steps) into a PNG with ScottPlot.</summary>
public static class LossPlot
{
    public static void Save(string path, string title, IReadOnlyList<double> steps,
        IEnumerable<(string Name, IReadOnlyList<double> Values)> series, string yLabel = "loss", int width = 900, int height = 500, string xLabel = "step")
    {
        var plot = new ScottPlot.Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        var xs = steps.ToArray();
        foreach (var (name, values) in series)
        {
            // NaN marks a step where the figure was not measured (e.g. evaluated every N steps): leave it out.
            var points = xs.Zip(values).Where(p => double.IsFinite(p.Second)).ToArray();
            if (points.Length == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray());
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plot.ShowLegend();
        plot.SavePng(path, width, height);
    }

    /// <summary>Plots the chosen columns of a metrics log.</summary>
    public static void Save(string path, string title, MetricsLog metrics, params string[] columns) =>
        Save(path, title, metrics.Steps, columns.Select(c => (c, metrics.Series(c))));
}
