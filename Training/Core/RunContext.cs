using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>What every reference trainer gets: where to write, the seed, the device, a progress sink and a stop signal.</summary>
public sealed record RunContext(
    string OutputDirectory,
    long Seed,
    Device Device,
    IProgress<TrainingProgress>? Progress = null,
    CancellationToken Cancellation = default)
{
    /// <summary>A context on the CPU, for tests and benchmarks.</summary>
    public static RunContext OnCpu(string outputDirectory, long seed) => new(outputDirectory, seed, CPU);

    public string PathOf(string fileName) => Path.Combine(OutputDirectory, fileName);
}
