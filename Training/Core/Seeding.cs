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
    /// Builds a model (an <c>nn.Module</c> or a tuple of them) from libtorch's global generator seeded with
    /// <paramref name="seed"/>, holding a process-wide lock: several workers of one process may build models at once,
    /// and layer initialisers can only use the global generator.
    /// </summary>
    /// <remarks>
    /// Construction runs inside a dispose scope. Layer initialisers make temporaries (TorchSharp's fan-in computation
    /// reads <c>weight[0, 0].numel()</c>); outside a scope nothing references such a temporary during the native call
    /// that reads it, so a garbage collection on another thread may free it mid-call (a segfault in
    /// <c>THSTensor_numel</c>, seen under GC pressure). The scope keeps them alive and frees them afterwards; the
    /// modules' parameters and buffers are detached from it and live on with the modules.
    /// </remarks>
    public static T Build<T>(long seed, Func<T> build)
    {
        lock (ConstructionLock)
        {
            Seed(seed);
            using var scope = NewDisposeScope();
            var built = build();
            scope.Detach(TensorsOf(built));
            return built;
        }
    }

    // What a built model owns: every parameter and buffer of each module it returned.
    private static IEnumerable<IDisposable> TensorsOf(object? built)
    {
        IEnumerable<nn.Module> modules = built switch
        {
            nn.Module module => new[] { module },
            System.Runtime.CompilerServices.ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i] as nn.Module
                ?? throw new ArgumentException($"Seeding.Build: item {i} of the tuple is {tuple[i]?.GetType().Name ?? "null"}, not an nn.Module")),
            _ => throw new ArgumentException($"Seeding.Build builds modules or tuples of modules, not {built?.GetType().Name ?? "null"}"),
        };
        return modules.SelectMany(m => m.parameters().Cast<IDisposable>().Concat(m.buffers())).ToList();
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
