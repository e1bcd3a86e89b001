using System.Globalization;

namespace DistGen.Training.Core;

/// <summary>
/// Appends one row per logged step to metrics.csv and keeps the series in memory for the loss plot.
/// The columns are fixed by the first row; later rows must use the same names.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;
    private string[]? _columns;
    private readonly Dictionary<string, List<double>> _series = new();
    private readonly List<double> _steps = new();

    public MetricsLog(string path)
    {
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public IReadOnlyList<double> Steps => _steps;

    public IReadOnlyList<double> Series(string column) => _series.TryGetValue(column, out var s) ? s : Array.Empty<double>();

    public void Log(long step, IReadOnlyDictionary<string, double> values)
    {
        if (_columns is null)
        {
            _columns = values.Keys.ToArray();
            foreach (var c in _columns) _series[c] = new List<double>();
            _writer.WriteLine("step," + string.Join(',', _columns));
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
        _writer.WriteLine(string.Join(',', cells));
    }

    public void Dispose() => _writer.Dispose();
}
