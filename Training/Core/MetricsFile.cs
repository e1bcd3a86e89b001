using System.Globalization;

namespace DistGen.Training.Core;

/// <summary>
/// Reads a run's metrics.csv as <see cref="MetricsLog"/> writes it: a <c>step</c> column, then one column per figure, one
/// row per logged step. A row cut short (a crash, or a writer appending right now) is skipped, so a file being written
/// is read as the rows it has whole.
/// </summary>
public sealed record MetricsFile(string[] Columns, IReadOnlyList<MetricsFile.Row> Rows)
{
    /// <summary>One logged step: its figures in <see cref="Columns"/> order, NaN where one was not measured.</summary>
    public sealed record Row(long Step, double[] Values, string Line);

    public static MetricsFile Empty { get; } = new([], []);

    /// <summary>The rows of <paramref name="path"/>; an absent or empty file has none.</summary>
    /// <exception cref="InvalidDataException">The file does not start with a <c>step</c> column.</exception>
    public static MetricsFile Read(string path)
    {
        string[] lines;
        try
        {
            // Shared with the writer, which keeps the file open for appending.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            lines = reader.ReadToEnd().Split('\n');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Empty;
        }
        return Parse(lines, path);
    }

    /// <summary>The rows of a metrics file's lines; <paramref name="source"/> names it in errors.</summary>
    public static MetricsFile Parse(IReadOnlyList<string> lines, string source)
    {
        if (lines.Count == 0 || lines[0].TrimEnd('\r').Length == 0) return Empty;
        var header = lines[0].TrimEnd('\r').Split(',');
        if (header[0] != "step") throw new InvalidDataException($"{source} does not start with a 'step' column; it is not a DistGen metrics file");
        var rows = new List<Row>();
        foreach (var raw in lines.Skip(1))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != header.Length || !long.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step)) continue;
            var values = new double[cells.Length - 1];
            bool whole = true;
            for (int i = 1; i < cells.Length && whole; i++)
                whole = double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]);
            if (whole) rows.Add(new Row(step, values, line));
        }
        return new MetricsFile(header[1..], rows);
    }
}
