using System.Globalization;
using System.Text.RegularExpressions;

namespace DistGen.Tests.Grains.Metrics;

/// <summary>The samples of a Prometheus text exposition (<c>name{label="value",...} number</c>), for tests to read.</summary>
public sealed partial class PrometheusText(string text)
{
    public string Text { get; } = text;

    public IEnumerable<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples =>
        Text.Split('\n').Where(line => line.Length > 0 && line[0] != '#').Select(Parse).OfType<(string, IReadOnlyDictionary<string, string>, double)>();

    /// <summary>The values of the samples called <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public IReadOnlyList<double> Values(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Select(s => s.Value).ToList();

    private static (string, IReadOnlyDictionary<string, string>, double)? Parse(string line)
    {
        var match = SampleLine().Match(line);
        if (!match.Success) return null;
        var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
        return (match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>[^ ]+)( \d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
