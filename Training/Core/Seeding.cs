using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>One place that seeds libtorch, so two processes given one seed build identical weights and draw identical noise.</summary>
public static class Seeding
{
    /// <summary>Seeds libtorch's global generator (CPU and, when present, CUDA).</summary>
    public static void Seed(long seed)
    {
        manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
    }

    /// <summary>Derives an independent, reproducible seed for a named stream (e.g. "shuffle", "env:3").</summary>
    public static long Derive(long seed, string stream)
    {
        // FNV-1a over the stream name mixed with SplitMix64: stable across processes and .NET versions.
        ulong h = 14695981039346656037UL ^ (ulong)seed;
        foreach (char c in stream) { h ^= c; h *= 1099511628211UL; }
        h += 0x9E3779B97F4A7C15UL;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return (long)((h ^ (h >> 31)) & long.MaxValue);
    }
}
