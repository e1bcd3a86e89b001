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
/// two silos whose data planes talk gRPC over loopback), and the ring / grid quality of the example specs over 3 seeds.
/// The quality runs use the reference trainer: a split run computes the same rounds (equal within 1e-5, tested).
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
        lines.Add("");
        lines.AddRange(Quality(root));
        return lines;
    }

    private static IEnumerable<string> Quality(string root)
    {
        yield return "Quality of the example specs (pack 1, R1 0.1, linear decay) over seeds 1-3, 2,500 samples each, reference trainer:";
        yield return "";
        yield return "| data | steps | modes (mean, per seed) | high-quality % (mean) | reverse KL (mean) | published (PacGAN paper, as quoted in issue 4) |";
        yield return "| --- | ---: | --- | ---: | ---: | --- |";
        foreach (var (example, published) in new[]
                 {
                     ("gan-ring.json", "GAN 6.3 modes / 98.2 %; PacGAN2 7.9 / 95.6 %"),
                     ("gan-grid.json", "GAN 17.3 modes; PacGAN4 24.8 modes"),
                 })
        {
            var runs = new[] { 1L, 2, 3 }.Select(seed =>
            {
                var job = BenchSpec.FromExample(root, example, seed);
                set_num_threads(job.Threads);
                var folder = Directory.CreateTempSubdirectory("distgen-bench-gan-").FullName;
                try
                {
                    var summary = job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(folder, seed));
                    Console.Error.WriteLine($"  {example} seed {seed}: {string.Join(", ", summary.Figures.Select(f => $"{f.Key} {f.Value:G4}"))} in {summary.WallSeconds:F0} s");
                    return (Steps: summary.Steps, Figures: summary.Figures);
                }
                finally
                {
                    Directory.Delete(folder, recursive: true);
                }
            }).ToList();
            var modes = runs.Select(r => r.Figures["modes_covered"]).ToList();
            string data = example == "gan-ring.json" ? "ring8" : "grid25";
            yield return $"| {data} | {runs[0].Steps} | {modes.Average():F1} ({string.Join(", ", modes)}) | " +
                         $"{100 * runs.Average(r => r.Figures["high_quality_fraction"]):F1} | {runs.Average(r => r.Figures["reverse_kl"]):F3} | {published} |";
        }
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

    private static async Task<double> Embedded(LoadedJob job)
    {
        set_num_threads(job.Threads);
        var root = Directory.CreateTempSubdirectory("distgen-bench-cluster-").FullName;
        try
        {
            await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { ArtifactsRoot = root });
            return (await InProcessCluster.RunJobAsync(silo.GrainFactory, job.SourceJson, root)).WallSeconds;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
