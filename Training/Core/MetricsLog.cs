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
        var file = MetricsFile.Read(_path);
        if (file.Columns.Length == 0) return;
        var rows = file.Rows.TakeWhile(row => row.Step <= step).ToList();
        var kept = new List<string> { "step," + string.Join(',', file.Columns) };
        kept.AddRange(rows.Select(row => row.Line));
        _ctx.WriteArtifact(_fileName, temporary => File.WriteAllLines(temporary, kept));
        _columns = file.Columns;
        foreach (var c in _columns) _series[c] = new List<double>();
        foreach (var row in rows)
        {
            _steps.Add(row.Step);
            for (int i = 0; i < _columns.Length; i++) _series[_columns[i]].Add(row.Values[i]);
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
