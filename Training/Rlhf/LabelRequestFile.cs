using System.Text.Json;

namespace DistGen.Training.Rlhf;

/// <summary>
/// A requests file (JSON Lines): one <see cref="LabelRequest"/> a line,
/// <c>{"id": "1-0007", "context": "...", "prompt": "And he said ", "completions": ["...", "..."]}</c>.
/// </summary>
public static class LabelRequestFile
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Write(string path, IEnumerable<LabelRequest> requests)
    {
        using var writer = new StreamWriter(path, append: false);
        foreach (var request in requests) writer.WriteLine(JsonSerializer.Serialize(request, Options));
    }

    /// <summary>Every request of the file, in order; throws <see cref="LabelFileException"/> at the first malformed line.</summary>
    public static IReadOnlyList<LabelRequest> Read(string path)
    {
        var requests = new List<LabelRequest>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, value) in JsonLines.Read(path))
        {
            JsonLines.RequireKnownFields(value, path, line, "id", "context", "prompt", "completions");
            var id = JsonLines.RequiredString(value, "id", path, line);
            if (id.Length == 0) throw new LabelFileException(path, line, "\"id\" is empty");
            if (!ids.TryAdd(id, line)) throw new LabelFileException(path, line, $"request \"{id}\" already appears on line {ids[id]}");
            var context = JsonLines.RequiredString(value, "context", path, line);
            var prompt = JsonLines.RequiredString(value, "prompt", path, line);
            if (!value.TryGetProperty("completions", out var list) || list.ValueKind != JsonValueKind.Array)
                throw new LabelFileException(path, line, "\"completions\" is missing or not an array of strings");
            var completions = list.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()!
                : throw new LabelFileException(path, line, "\"completions\" holds something other than a string")).ToArray();
            if (completions.Length is < 2 or > LabelRequest.MaxCompletions)
                throw new LabelFileException(path, line, $"{completions.Length} completions; a request holds 2 to {LabelRequest.MaxCompletions}");
            requests.Add(new LabelRequest(id, context, prompt, completions));
        }
        return requests;
    }
}
