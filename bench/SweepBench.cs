using System.Diagnostics;
using System.Globalization;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;

namespace DistGen.Bench;

/// <summary>
/// The example sweep (examples/anomaly-fashion-mnist-sweep.json: ten one-class detectors, at most 2 at once) run whole
/// on an in-process cluster of 1 silo and then of 2, one after the other in this process: wall time from submission to
/// the table, where the member jobs ran, and the mean AUROCs (which must not depend on the silos).
/// </summary>
public static class SweepBench
{
    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        var sweep = await File.ReadAllTextAsync(Path.Combine(root, "examples", "anomaly-fashion-mnist-sweep.json"));
        var lines = new List<string>
        {
            $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC (`dotnet bench/bin/Release/net10.0/DistGen.Bench.dll sweep`). The example sweep as written (10 jobs of " +
            $"1,500 rounds, 2 workers each, at most 2 jobs at once) on an in-process cluster of 1 and then 2 silos, in one process on {Environment.ProcessorCount} cores, " +
            $"libtorch at {TorchSharp.torch.get_num_threads()} thread(s) per operation. With 2 silos each job's two workers sit on different silos, so every " +
            "round's gradients and parameters cross loopback gRPC; the silos share the same cores.",
            "",
            "| silos | wall s (submit to table) | jobs per silo (coordinators) | mean auroc_reconstruction % | mean auroc_neg_elbo % | mean auroc_iw_nll % |",
            "| ---: | ---: | --- | ---: | ---: | ---: |",
        };
        foreach (int silos in new[] { 1, 2 })
        {
            await using var cluster = await InProcessCluster.StartAsync(silos);
            var submitted = await cluster.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(sweep);
            if (!submitted.Accepted) throw new InvalidOperationException(string.Join("; ", submitted.Errors));
            var clock = Stopwatch.StartNew();
            SweepStatus status;
            while (!(status = await cluster.Grains.GetGrain<ISweepGrain>(submitted.JobId!).GetStatus()).IsFinished) await Task.Delay(500);
            double wall = clock.Elapsed.TotalSeconds;
            if (status.State != JobState.Succeeded) throw new InvalidOperationException($"bench sweep {status.State}: {status.Message}");
            var coordinators = (await Task.WhenAll(status.Members.Select(m => cluster.Grains.GetGrain<IJobCoordinatorGrain>(m.JobId!).GetStatus())))
                .GroupBy(j => j.CoordinatorSilo).Select(g => g.Count()).OrderDescending();
            string Mean(string figure) => (status.Mean[figure] * 100).ToString("F1", CultureInfo.InvariantCulture);
            lines.Add($"| {silos} | {wall:F0} | {string.Join(" / ", coordinators)} | {Mean("auroc_reconstruction")} | {Mean("auroc_neg_elbo")} | {Mean("auroc_iw_nll")} |");
            Console.Error.WriteLine(lines[^1]);
        }
        return lines;
    }
}
