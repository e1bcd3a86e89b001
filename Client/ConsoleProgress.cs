using System.Diagnostics;
using System.Globalization;
using DistGen.Training.Core;

namespace DistGen.Client;

/// <summary>
/// A live progress line: step, percent, the latest metrics, rate and ETA. On a terminal it rewrites one line;
/// when output is redirected (CI, logs) it prints a line about every 5 % instead.
/// </summary>
public sealed class ConsoleProgress(TextWriter output, bool interactive) : IProgress<TrainingProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastPrintedTwentieth = -1;
    private int _lastWidth;

    public static ConsoleProgress ForConsole() => new(Console.Out, !Console.IsOutputRedirected);

    public void Report(TrainingProgress value)
    {
        double fraction = value.TotalSteps > 0 ? (double)value.Step / value.TotalSteps : 0;
        var line = Format(value, fraction);
        if (interactive)
        {
            output.Write("\r" + line.PadRight(_lastWidth));
            _lastWidth = line.Length;
            if (value.Step >= value.TotalSteps) Finish();
            return;
        }
        int twentieth = (int)(fraction * 20);
        if (twentieth == _lastPrintedTwentieth && value.Step < value.TotalSteps) return;
        _lastPrintedTwentieth = twentieth;
        output.WriteLine(line);
    }

    /// <summary>Ends the live line so the next output starts on a fresh line.</summary>
    public void Finish()
    {
        if (interactive && _lastWidth > 0) output.WriteLine();
        _lastWidth = 0;
    }

    private string Format(TrainingProgress value, double fraction)
    {
        var elapsed = _clock.Elapsed;
        var eta = fraction > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        var metrics = string.Join("  ", value.Metrics.Where(kv => !double.IsNaN(kv.Value)).Take(6)
            .Select(kv => $"{kv.Key} {kv.Value.ToString(Math.Abs(kv.Value) >= 1000 ? "F0" : "G4", CultureInfo.InvariantCulture)}"));
        return $"step {value.Step}/{value.TotalSteps} ({fraction:P0})  {metrics}  elapsed {elapsed:hh\\:mm\\:ss}  eta {eta:hh\\:mm\\:ss}";
    }
}
