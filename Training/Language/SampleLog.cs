using System.Globalization;
using DistGen.Training.Core;

namespace DistGen.Training.Language;

/// <summary>
/// The layout of samples.txt: blocks headed "--- step N, val_loss L ---" written at each evaluation, then
/// "--- final sample i ---" blocks at the end. A resumed run keeps the step blocks up to its checkpoint.
/// </summary>
public static class SampleLog
{
    private const string StepPrefix = "--- step ";

    public static string StepTitle(long round, double valLoss) =>
        string.Create(CultureInfo.InvariantCulture, $"step {round}, val_loss {valLoss:F4}");

    public static string Header(string title) => $"--- {title} ---";

    /// <summary>Rewrites the run's <paramref name="fileName"/> with only the step blocks of steps &lt;= <paramref name="step"/>.</summary>
    public static void KeepUpTo(RunContext ctx, string fileName, long step)
    {
        var path = ctx.PathOf(fileName);
        if (!File.Exists(path)) return;
        var kept = new List<string>();
        bool keeping = false;
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.StartsWith("--- ", StringComparison.Ordinal) && line.EndsWith(" ---", StringComparison.Ordinal))
                keeping = StepOf(line) is { } blockStep && blockStep <= step;
            if (keeping) kept.Add(line);
        }
        ctx.WriteArtifact(fileName, temporary => File.WriteAllLines(temporary, kept));
    }

    private static long? StepOf(string header)
    {
        if (!header.StartsWith(StepPrefix, StringComparison.Ordinal)) return null;
        var digits = header.AsSpan(StepPrefix.Length);
        int end = digits.IndexOf(',');
        return end > 0 && long.TryParse(digits[..end], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
