using System.Security.Cryptography;

namespace DistGen.Grains.Jobs;

/// <summary>Job ids, and the grain keys of a job's actors: "{jobId}/{index}".</summary>
public static class JobIds
{
    /// <summary>
    /// "{name}-{yyyyMMdd-HHmmss}-{12 random hex digits}": readable, sorted by time, and with 48 random bits two jobs
    /// submitted in the same second collide with odds of about n²/2^49 (the registry also checks and picks again).
    /// </summary>
    public static string New(string name, DateTimeOffset now) =>
        $"{name}-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    public static string Member(string jobId, int index) => $"{jobId}/{index}";

    public static (string JobId, int Index) Parse(string key)
    {
        int slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), out int index))
            throw new ArgumentException($"grain key '{key}' is not of the form jobId/index");
        return (key[..slash], index);
    }
}
