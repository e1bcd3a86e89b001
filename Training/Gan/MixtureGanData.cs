using DistGen.Training.Core;
using DistGen.Training.Data;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>A 2-D Gaussian mixture (ring8, grid25) as GAN data: fresh seeded samples each substep, mode-coverage figures.</summary>
public sealed class MixtureGanData(GaussianMixture2D mixture, long seed) : IGanData
{
    public string Name => mixture.Name;
    public bool IsImage => false;
    public long[] SampleShape => [2];
    public IReadOnlyList<string> QualityFigures { get; } = ["modes_covered", "high_quality_fraction", "reverse_kl"];

    // The substep's whole batch is drawn (2-D points are cheap) and the rows cut out, so every worker sees its part of one batch.
    public Tensor RealRows(long draw, int globalBatch, int offset, int count)
    {
        GanBatch.CheckRows(globalBatch, offset, count);
        var points = mixture.SamplePoints(globalBatch, new SplitMix64(Seeding.Derive(seed, $"gan-real:{draw}")));
        return tensor(points.AsSpan(2 * offset, 2 * count).ToArray(), [count, 2], ScalarType.Float32);
    }

    public IReadOnlyDictionary<string, double> Evaluate(Func<int, Tensor> generate)
    {
        using var points = generate(GaussianMixture2D.EvaluationSampleCount);
        var quality = mixture.Evaluate(points);
        return new Dictionary<string, double>
        {
            ["modes_covered"] = quality.ModesCovered,
            ["high_quality_fraction"] = quality.HighQualityFraction,
            ["reverse_kl"] = quality.ReverseKl,
        };
    }

    public void SaveSamples(string path, Tensor fakes)
    {
        using var cpu = fakes.detach().cpu().contiguous();
        var xy = cpu.data<float>().ToArray();
        var xs = Enumerable.Range(0, xy.Length / 2).Select(i => (double)xy[2 * i]).ToArray();
        var ys = Enumerable.Range(0, xy.Length / 2).Select(i => (double)xy[2 * i + 1]).ToArray();
        var plot = new ScottPlot.Plot();
        var generated = plot.Add.ScatterPoints(xs, ys);
        generated.MarkerSize = 2;
        generated.LegendText = $"{xs.Length} generated samples";
        var modes = plot.Add.ScatterPoints(mixture.Modes.Select(m => m.X).ToArray(), mixture.Modes.Select(m => m.Y).ToArray());
        modes.MarkerShape = ScottPlot.MarkerShape.Cross;
        modes.MarkerSize = 12;
        modes.Color = ScottPlot.Colors.Red;
        modes.LegendText = "true modes";
        var quality = mixture.Evaluate(xy);
        plot.Title($"{mixture.Name}: {quality.ModesCovered}/{quality.ModeCount} modes, {quality.HighQualityFraction:P1} high quality");
        double extent = mixture.Modes.Max(m => Math.Max(Math.Abs(m.X), Math.Abs(m.Y))) * 1.5;
        plot.Axes.SetLimits(-extent, extent, -extent, extent);
        plot.ShowLegend();
        plot.SavePng(path, 700, 700);
    }
}
