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

    private const int SpeedRepeats = 3;

    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        LoadedJob Ring(int workers, int rounds) => BenchSpec.FromExample(root, "gan-ring.json", 1,
            ("training", "steps", rounds), ("training", "evalEvery", 1_000_000), ("training", "logEvery", 100), ("cluster", "workers", workers));
        Reference(Ring(1, 50));
        await Embedded(Ring(1, 50));
        await using var cluster = await InProcessCluster.StartAsync(2);
        var runs = new (string Name, Func<Task<(double Seconds, bool Crossed)>> Run)[]
        {
            ("reference trainer", () => Task.FromResult((Reference(Ring(1, SpeedRounds)), false))),
            ("split, 1 silo (embedded), 1 G + 1 D workers", async () => (await Embedded(Ring(1, SpeedRounds)), false)),
            ("split, 1 silo (embedded), 2 G + 2 D workers", async () => (await Embedded(Ring(2, SpeedRounds)), false)),
            ("split, 2 silos (in-process, gRPC), 1 G + 1 D workers", () => TwoSilos(1)),
            ("split, 2 silos (in-process, gRPC), 2 G + 2 D workers", () => TwoSilos(2)),
        };
        async Task<(double, bool)> TwoSilos(int workers)
        {
            var job = Ring(workers, SpeedRounds);
            set_num_threads(job.Threads);
            // Wall time of the job's rounds as its coordinator measured them (summary.json), without silo start-up; the
            // network is crossed when a pair ran on the silo without the coordinator.
            var (summary, status) = await cluster.RunWithStatusAsync(job.SourceJson);
            return (summary.WallSeconds, status.WorkerSilos.Any(silo => silo != status.CoordinatorSilo));
        }

        // Every repeat runs each way in turn, so that a ratio compares runs under the same load: the machine is shared.
        var results = runs.Select(_ => new List<(double Rate, bool Crossed)>()).ToArray();
        for (int repeat = 0; repeat < SpeedRepeats; repeat++)
            for (int i = 0; i < runs.Length; i++)
            {
                var (seconds, crossed) = await runs[i].Run();
                results[i].Add((SpeedRounds / seconds, crossed));
                Console.Error.WriteLine($"  repeat {repeat + 1}: {runs[i].Name}: {results[i][^1].Rate:F0} rounds/s{(crossed ? ", network crossed" : "")}");
            }

        var lines = new List<string>
        {
            $"Ring8 example networks (MLP 3 x 64, batch 128, k = 1), {SpeedRounds} rounds, 1 libtorch thread; medians of {SpeedRepeats} repeats " +
            "in which the five runs take turns, a ratio being the median of the per-repeat ratios. On 2 silos a pair sits on one silo " +
            "and the coordinator on either; \"crossed\" marks a repeat in which a pair ran on the silo without the coordinator, so that " +
            "parameters, gradients and grain calls crossed loopback gRPC:",
            "",
            "| run | rounds/s | vs reference | per repeat |",
            "| --- | ---: | ---: | --- |",
        };
        for (int i = 0; i < runs.Length; i++)
        {
            var ratios = results[i].Select((result, repeat) => result.Rate / results[0][repeat].Rate).ToList();
            var perRepeat = ratios.Select((ratio, repeat) => $"{ratio:F2}x{(results[i][repeat].Crossed ? " crossed" : "")}");
            lines.Add($"| {runs[i].Name} | {Median.Of(results[i].Select(r => r.Rate)):F0} | {Median.Of(ratios):F2}x | {string.Join(", ", perRepeat)} |");
        }
        lines.Add("");
        lines.Add("A split round (k = 1) is 4 grain calls per worker pair (2 from the coordinator to the generator worker, 2 from it to its " +
            "discriminator worker on the same silo) and 7 tensors in stores: G's and D's parameters pulled once each, D's and G's gradients " +
            "pushed to the coordinator's silo (these 4 cross between silos when the pair is not on the coordinator's), the fakes pulled twice and " +
            "dL/dFake pushed within the pair's silo; against ~3-5 ms of math in the reference. On these tiny networks the split GAN is bound by " +
            "messaging, and a second pair on 2 shared cores adds calls without adding compute.");
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
