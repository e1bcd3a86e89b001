namespace DistGen.Grains.Jobs;

/// <summary>Grain keys of a job's actors: "{jobId}/{index}".</summary>
public static class JobIds
{
    public static string New(string name, DateTimeOffset now) =>
        $"{name}-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";

    public static string Member(string jobId, int index) => $"{jobId}/{index}";

    public static (string JobId, int Index) Parse(string key)
    {
        int slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), out int index))
            throw new ArgumentException($"grain key '{key}' is not of the form jobId/index");
        return (key[..slash], index);
    }
}
