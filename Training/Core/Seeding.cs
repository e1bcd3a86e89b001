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

    private static readonly object ConstructionLock = new();

    /// <summary>
    /// Builds a model from libtorch's global generator seeded with <paramref name="seed"/>, holding a process-wide lock:
    /// several workers of one process may build models at once, and layer initialisers can only use the global generator.
    /// </summary>
    public static T Build<T>(long seed, Func<T> build)
    {
        lock (ConstructionLock)
        {
            Seed(seed);
            return build();
        }
    }

    /// <summary>A private libtorch generator for one named random stream of a run (noise, latents), independent of other threads.</summary>
    public static Generator NewGenerator(long seed, string stream) => new((ulong)Derive(seed, stream));

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
