using System.Text.Json;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Reads a JSON Lines file object by object with line numbers, so every problem is reported at its line
/// (<see cref="LabelFileException"/>). Blank lines are allowed and skipped.
/// </summary>
internal static class JsonLines
{
    public static IEnumerable<(int Line, JsonElement Value)> Read(string path)
    {
        if (!File.Exists(path)) throw new LabelFileException(path, 0, "the file does not exist");
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement value;
            try
            {
                using var document = JsonDocument.Parse(line);
                value = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new LabelFileException(path, number, $"not a JSON object ({FirstSentence(e.Message)}); each line holds one object");
            }
            if (value.ValueKind != JsonValueKind.Object) throw new LabelFileException(path, number, $"a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not an object; each line holds one object");
            yield return (number, value);
        }
    }

    /// <summary>Refuses fields other than <paramref name="allowed"/>, so a misspelt field is not silently ignored.</summary>
    public static void RequireKnownFields(JsonElement value, string path, int line, params string[] allowed)
    {
        foreach (var field in value.EnumerateObject())
            if (!allowed.Contains(field.Name, StringComparer.Ordinal))
                throw new LabelFileException(path, line, $"unknown field \"{field.Name}\"; allowed: {string.Join(", ", allowed)}");
    }

    public static string RequiredString(JsonElement value, string field, string path, int line) =>
        value.TryGetProperty(field, out var item) && item.ValueKind == JsonValueKind.String && item.GetString() is { } text
            ? text : throw new LabelFileException(path, line, $"\"{field}\" is missing or not a string");

    public static bool OptionalTrue(JsonElement value, string field, string path, int line)
    {
        if (!value.TryGetProperty(field, out var item)) return false;
        return item.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new LabelFileException(path, line, $"\"{field}\" must be true or false"),
        };
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message.TrimEnd('.');
    }
}
