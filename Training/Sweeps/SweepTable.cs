using System.Globalization;
using System.Text;
using DistGen.Training.Core;

namespace DistGen.Training.Sweeps;

/// <summary>One member's line of a sweep's table: its label, job, how it ended and its final figures.</summary>
public sealed record SweepRow(string Label, string? JobId, string State, IReadOnlyDictionary<string, double> Figures, string? Message = null);

/// <summary>A published result a sweep's mean is compared with (e.g. a paper's mean AUROC), in the table's units.</summary>
public sealed record PublishedAnchor(string Method, string Source, IReadOnlyDictionary<string, double> Figures);

/// <summary>
/// A finished sweep's table: a row per member with the reported figures, the mean over the members that succeeded, and
/// the published anchors below it. Figures named auroc_* or auprc_* are shown in percent, as papers give them.
/// </summary>
public sealed class SweepTable
{
    private readonly IReadOnlyList<SweepRow> _rows;
    private readonly IReadOnlyList<PublishedAnchor> _anchors;

    public SweepTable(string name, string parameter, IReadOnlyList<string> report, IReadOnlyList<SweepRow> rows, IReadOnlyList<PublishedAnchor> anchors)
    {
        (Name, Parameter, _rows, _anchors) = (name, parameter, rows, anchors);
        Columns = report.Count > 0 ? report : DefaultReport(rows);
        var succeeded = rows.Where(r => r.State == "succeeded").ToList();
        Mean = Columns.Where(c => succeeded.Count > 0 && succeeded.All(r => r.Figures.ContainsKey(c)))
            .ToDictionary(c => c, c => succeeded.Average(r => r.Figures[c]));
        MeanOver = succeeded.Count;
    }

    public string Name { get; }
    public string Parameter { get; }

    /// <summary>The figures shown, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Each column's mean over the members that succeeded (absent when one of them lacks it).</summary>
    public IReadOnlyDictionary<string, double> Mean { get; }

    /// <summary>How many members the mean is over.</summary>
    public int MeanOver { get; }

    /// <summary>The published results shown below the mean.</summary>
    public IReadOnlyList<PublishedAnchor> Anchors => _anchors;

    /// <summary>Without a report list: every AUROC the members have, else every figure all succeeded members share.</summary>
    public static IReadOnlyList<string> DefaultReport(IReadOnlyList<SweepRow> rows)
    {
        var succeeded = rows.Where(r => r.State == "succeeded").ToList();
        if (succeeded.Count == 0) return [];
        var shared = succeeded.Select(r => r.Figures.Keys).Aggregate((a, b) => a.Intersect(b).ToList()).ToList();
        var aurocs = shared.Where(k => k.StartsWith("auroc_", StringComparison.Ordinal)).ToList();
        return aurocs.Count > 0 ? aurocs : [.. shared.Order(StringComparer.Ordinal)];
    }

    public static bool InPercent(string figure) => figure.StartsWith("auroc", StringComparison.Ordinal) || figure.StartsWith("auprc", StringComparison.Ordinal);

    public static string Format(string figure, double value) =>
        double.IsNaN(value) ? "" : InPercent(figure) ? (value * 100).ToString("F1", CultureInfo.InvariantCulture) : value.ToString("G5", CultureInfo.InvariantCulture);

    /// <summary>The table in Markdown, with a line saying what the columns are.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"# Sweep {Name}: {Parameter}").AppendLine();
        text.AppendLine($"| {Parameter} | job | state | {string.Join(" | ", Columns.Select(Header))} |");
        text.AppendLine($"| --- | --- | --- |{string.Concat(Columns.Select(_ => " ---: |"))}");
        foreach (var row in _rows)
            text.AppendLine($"| {Cell(row.Label)} | {row.JobId ?? "-"} | {row.State} | {string.Join(" | ", Columns.Select(c => row.Figures.TryGetValue(c, out var v) ? Format(c, v) : ""))} |");
        if (MeanOver > 0)
            text.AppendLine($"| **mean** ({MeanOver} of {_rows.Count}) | | | {string.Join(" | ", Columns.Select(c => Mean.TryGetValue(c, out var v) ? $"**{Format(c, v)}**" : ""))} |");
        foreach (var anchor in _anchors)
            text.AppendLine($"| published: {anchor.Method} | {anchor.Source} | | {string.Join(" | ", Columns.Select(c => anchor.Figures.TryGetValue(c, out var v) ? Format(c, v) : ""))} |");
        text.AppendLine();
        if (Columns.Any(InPercent)) text.AppendLine("AUROC and AUPRC in percent. ");
        if (_anchors.Count > 0) text.AppendLine("A published figure sits in every column of a score it is compared with: the paper reports one AUROC per method, not ours per score. ");
        foreach (var row in _rows.Where(r => r.Message is not null && r.State != "succeeded"))
            text.AppendLine($"- {row.Label}: {row.Message}");
        return text.ToString();
    }

    /// <summary>The rows as CSV (figures as measured, not in percent), the mean as a last row.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', new[] { "label", "job", "state" }.Concat(Columns)));
        string Value(IReadOnlyDictionary<string, double> figures, string c) => figures.TryGetValue(c, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        foreach (var row in _rows)
            text.AppendLine(string.Join(',', new[] { CsvField.Of(row.Label), row.JobId ?? "", row.State }.Concat(Columns.Select(c => Value(row.Figures, c)))));
        if (MeanOver > 0) text.AppendLine(string.Join(',', new[] { "mean", "", $"{MeanOver} of {_rows.Count}" }.Concat(Columns.Select(c => Value(Mean, c)))));
        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Header(string figure) => InPercent(figure) ? $"{figure} (%)" : figure;

}
