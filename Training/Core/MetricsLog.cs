using System.Globalization;

namespace DistGen.Training.Core;

/// <summary>
/// Appends one row per logged step to metrics.csv and keeps the series in memory for the loss plot.
/// The columns are fixed by the first row; later rows must use the same names. A run resumed from a checkpoint
/// continues the file: <see cref="ContinueFrom"/> keeps the rows up to the checkpoint's step and drops later ones.
/// Every row is appended only while the run's fence says this writer still holds the run.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly RunContext _ctx;
    private readonly string _fileName;
    private readonly string _path;
    private StreamWriter? _writer;
    private string[]? _columns;
    private readonly Dictionary<string, List<double>> _series = new();
    private readonly List<double> _steps = new();

    /// <summary>The file is created (or emptied) by the first row, so a resumed run's rows survive until then.</summary>
    public MetricsLog(RunContext ctx, string fileName = "metrics.csv")
    {
        (_ctx, _fileName, _path) = (ctx, fileName, ctx.PathOf(fileName));
    }

    public IReadOnlyList<double> Steps => _steps;

    public IReadOnlyList<double> Series(string column) => _series.TryGetValue(column, out var s) ? s : Array.Empty<double>();

    /// <summary>The last finite value logged in <paramref name="column"/>, or NaN.</summary>
    public double LastFinite(string column)
    {
        var series = Series(column);
        for (int i = series.Count - 1; i >= 0; i--)
            if (double.IsFinite(series[i])) return series[i];
        return double.NaN;
    }

    /// <summary>
    /// Reloads the rows of an earlier run's file with step &lt;= <paramref name="step"/> and rewrites the file with only
    /// those: the rows a resumed run logs again after its checkpoint are not doubled. No file: nothing to continue.
    /// </summary>
    public void ContinueFrom(long step)
    {
        if (_writer is not null) throw new InvalidOperationException("metrics were already logged; continue before the first row");
        if (!File.Exists(_path)) return;
        var lines = File.ReadAllLines(_path);
        if (lines.Length == 0) return;
        var header = lines[0].Split(',');
        if (header[0] != "step") throw new InvalidDataException($"{_path} does not start with a 'step' column; it is not a DistGen metrics file");
        var kept = new List<string> { lines[0] };
        var rows = new List<(long Step, double[] Values)>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            // A crash can cut the last line short: a row without every cell is dropped.
            if (cells.Length != header.Length || !long.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rowStep)) continue;
            if (rowStep > step) break;
            rows.Add((rowStep, cells.Skip(1).Select(c => double.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()));
            kept.Add(line);
        }
        _ctx.WriteArtifact(_fileName, temporary => File.WriteAllLines(temporary, kept));
        _columns = header.Skip(1).ToArray();
        foreach (var c in _columns) _series[c] = new List<double>();
        foreach (var (rowStep, values) in rows)
        {
            _steps.Add(rowStep);
            for (int i = 0; i < _columns.Length; i++) _series[_columns[i]].Add(values[i]);
        }
        _writer = Open(append: true);
    }

    public void Log(long step, IReadOnlyDictionary<string, double> values)
    {
        if (_columns is null)
        {
            _columns = values.Keys.ToArray();
            foreach (var c in _columns) _series[c] = new List<double>();
            _ctx.Writer.ThrowIfSuperseded(_fileName);
            _writer = Open(append: false);
            Append("step," + string.Join(',', _columns));
        }
        else if (values.Count != _columns.Length || _columns.Any(c => !values.ContainsKey(c)))
        {
            throw new ArgumentException($"metrics row has columns [{string.Join(", ", values.Keys)}], expected [{string.Join(", ", _columns)}]");
        }
        _steps.Add(step);
        var cells = new string[_columns.Length + 1];
        cells[0] = step.ToString(CultureInfo.InvariantCulture);
        for (int i = 0; i < _columns.Length; i++)
        {
            double v = values[_columns[i]];
            _series[_columns[i]].Add(v);
            cells[i + 1] = v.ToString("R", CultureInfo.InvariantCulture);
        }
        Append(string.Join(',', cells));
    }

    public void Dispose() => _writer?.Dispose();

    private StreamWriter Open(bool append)
    {
        try
        {
            return new StreamWriter(_path, append) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactWriteException(_path, e);
        }
    }

    private void Append(string line)
    {
        _ctx.Writer.ThrowIfSuperseded(_fileName);
        try
        {
            _writer!.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactWriteException(_path, e);
        }
        _ctx.Writer.ThrowIfSupersededWhileWriting(_fileName);
    }
}
