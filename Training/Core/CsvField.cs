namespace DistGen.Training.Core;

/// <summary>One field of a CSV line (RFC 4180): quoted, with its quotes doubled, only when it holds a comma, a quote or a line break.</summary>
public static class CsvField
{
    public static string Of(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
