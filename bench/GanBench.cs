using System.Diagnostics;
using System.Text.Json.Nodes;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;
using DistGen.Grains.Jobs;
using DistGen.Training.Core;
using DistGen.Training.Specs;
using static TorchSharp.torch;

namespace DistGen.Bench;

/// <summary>
/// The split GAN: rounds/s against the reference trainer at the same batch (embedded silo, and an in-process cluster of
/// two silos whose data planes talk gRPC over loopback), and the ring / grid quality of the example specs over 3 seeds,
/// measured on the split path itself (embedded silo, as `distgen run`); speed and quality are separate sections.
/// </summary>
public static class GanBench
{
    private const int SpeedRounds = 1000;

    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        var lines = new List<string>
        {
            $"Ring8 example networks (MLP 3 x 64, batch 128, k = 1), {SpeedRounds} rounds, 1 libtorch thread:",
            "",
            "| run | rounds/s | vs reference |",
            "| --- | ---: | ---: |",
        };
        LoadedJob Ring(int workers, int rounds) => BenchSpec.FromExample(root, "gan-ring.json", 1,
            ("training", "steps", rounds), ("training", "evalEvery", 1_000_000), ("training", "logEvery", 100), ("cluster", "workers", workers));
        Reference(Ring(1, 50));
        await Embedded(Ring(1, 50));
        double reference = SpeedRounds / Reference(Ring(1, SpeedRounds));
        lines.Add($"| reference trainer | {reference:F0} | 1.00x |");
        foreach (int workers in new[] { 1, 2 })
        {
            double rate = SpeedRounds / await Embedded(Ring(workers, SpeedRounds));
            lines.Add($"| split, 1 silo (embedded), {workers} G + {workers} D workers | {rate:F0} | {rate / reference:F2}x |");
        }
        await using (var cluster = await InProcessCluster.StartAsync(2))
        {
            foreach (int workers in new[] { 1, 2 })
            {
                var job = Ring(workers, SpeedRounds);
                set_num_threads(job.Threads);
                // Wall time of the job's rounds as its coordinator measured them (summary.json), without silo start-up.
                double rate = SpeedRounds / (await cluster.RunAsync(job.SourceJson)).WallSeconds;
                lines.Add($"| split, 2 silos (in-process, gRPC), {workers} G + {workers} D workers | {rate:F0} | {rate / reference:F2}x |");
            }
        }
        lines.Add("");
        lines.Add("A split round is 4 grain calls per worker pair and 6 tensors on the data plane (G and D parameters pulled, fakes, D's gradients, dL/dFake, G's gradients) against ~3 ms of math in the reference: on these tiny networks the split GAN is bound by messaging, and a second pair on 2 shared cores adds calls without adding compute.");
        return lines;
    }

    /// <summary>
    /// Mode quality of examples/gan-ring.json and gan-grid.json at their own budget (steps, batch, workers, threads),
    /// seeds 1-3, each run as a cluster job on the embedded silo: the path `distgen run` takes.
    /// </summary>
    public static async Task<IEnumerable<string>> QualityAsync(string root)
    {
        var ring = BenchSpec.FromExample(root, "gan-ring.json", 1);
        var lines = new List<string>
        {
            $"Quality of the example specs (pack 1, R1 0.1, linear decay) on the split path: generator and discriminator worker grains " +
            $"({ring.Spec.Cluster.Workers} G + {ring.Spec.Cluster.Workers} D) as a job on one embedded silo, data plane in memory (no gRPC), " +
            $"{ring.Threads} libtorch thread{(ring.Threads == 1 ? "" : "s")}, grains on the .NET thread pool of {Environment.ProcessorCount} cores. " +
            "Seeds 1-3, 2,500 samples each; wall s is the job's rounds as its coordinator measured them (summary.json), without silo start-up.",
            "",
            "| data | steps | seed | modes covered | high-quality % | reverse KL | wall s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        };
        var means = new List<string>();
        foreach (var (example, data, modeCount, published) in new[]
                 {
                     ("gan-ring.json", "ring8", 8, "GAN 6.3 modes / 98.2 %; PacGAN2 7.9 / 95.6 %"),
                     ("gan-grid.json", "grid25", 25, "GAN 17.3 modes; PacGAN4 24.8 modes"),
                 })
        {
            var runs = new List<TrainingSummary>();
            foreach (long seed in new[] { 1L, 2, 3 })
            {
                var summary = await EmbeddedSummary(BenchSpec.FromExample(root, example, seed));
                Console.Error.WriteLine($"  {example} seed {seed}: {string.Join(", ", summary.Figures.Select(f => $"{f.Key} {f.Value:G4}"))} in {summary.WallSeconds:F0} s");
                runs.Add(summary);
                lines.Add($"| {data} | {summary.Steps} | {seed} | {summary.Figures["modes_covered"]} of {modeCount} | " +
                          $"{100 * summary.Figures["high_quality_fraction"]:F1} | {summary.Figures["reverse_kl"]:F3} | {summary.WallSeconds:F0} |");
            }
            means.Add($"- {data}: {runs.Count(r => r.Figures["modes_covered"] == modeCount)} of {runs.Count} seeds covered all {modeCount} modes; " +
                      $"mean {runs.Average(r => r.Figures["modes_covered"]):F1} modes, {100 * runs.Average(r => r.Figures["high_quality_fraction"]):F1} % high quality, " +
                      $"reverse KL {runs.Average(r => r.Figures["reverse_kl"]):F3} (published, PacGAN paper as quoted in issue 4: {published})");
        }
        lines.Add("");
        lines.AddRange(means);
        return lines;
    }

    private static double Reference(LoadedJob job)
    {
        set_num_threads(job.Threads);
        var folder = Directory.CreateTempSubdirectory("distgen-bench-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(folder, job.Spec.Seed));
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<double> Embedded(LoadedJob job) => (await EmbeddedSummary(job)).WallSeconds;

    /// <summary>Runs the job on a fresh embedded silo (as `distgen run` does) and returns its summary.json.</summary>
    private static async Task<TrainingSummary> EmbeddedSummary(LoadedJob job)
    {
        set_num_threads(job.Threads);
        var root = Directory.CreateTempSubdirectory("distgen-bench-cluster-").FullName;
        try
        {
            await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { ArtifactsRoot = root });
            return await InProcessCluster.RunJobAsync(silo.GrainFactory, job.SourceJson, root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
