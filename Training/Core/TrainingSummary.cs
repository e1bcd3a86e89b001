using System.Text.Json;

namespace DistGen.Training.Core;

/// <summary>The final quality figures of a run, written as summary.json.</summary>
public sealed class TrainingSummary
{
    public required string Workload { get; init; }
    public required long Steps { get; init; }
    public required double WallSeconds { get; init; }
    /// <summary>Named quality figures, e.g. modes_covered, test_neg_elbo_nats, val_loss, mean_return_last_100.</summary>
    public required IReadOnlyDictionary<string, double> Figures { get; init; }
    /// <summary>What a figure measures, where its name alone could be read as a published metric it is not.</summary>
    public IReadOnlyDictionary<string, string> Definitions { get; init; } = new Dictionary<string, string>();

    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    public static TrainingSummary Read(string path) =>
        JsonSerializer.Deserialize<TrainingSummary>(File.ReadAllText(path), JsonOptions)
        ?? throw new InvalidDataException($"{path} holds no summary");
}
