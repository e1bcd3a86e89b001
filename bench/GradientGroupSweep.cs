using System.Globalization;
using System.Text.Json.Nodes;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;

namespace DistGen.Bench;

/// <summary>
/// The W sweep of gradient groups (Training/DataParallel/GradientGroups.cs): a data-parallel job on two in-process silos
/// (loopback gRPC between them) with W = 1, 2, 4, 8, 16 workers at one global batch, each worker sending its own
/// gradient (gradientGroups = W, how every round worked before groups) against one group per silo (the default). Measured:
/// seconds per round as the coordinator sees it, and the bytes other silos pushed into the coordinator's silo per round.
/// </summary>
public static class GradientGroupSweep
{
    private static readonly int[] Workers = [1, 2, 4, 8, 16];
    private const int Rounds = 40;
    private const int Repeats = 3;

    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        await using var cluster = await InProcessCluster.StartAsync(2);
        // Warm-up (JIT, data set in memory, the silos' first connections), not measured.
        await RunAsync(cluster, Spec(root, 2, 2, 5));

        var rows = new List<string>
        {
            "| W | every worker sends: s/round | MB into the coordinator's silo per round | one group per silo: s/round | MB per round | time ratio |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        };
        foreach (int w in Workers)
        {
            int groups = Math.Min(w, 2);
            var before = new List<Measured>();
            var after = new List<Measured>();
            // The two ways take turns within each repeat, so both see the same load on the shared machine.
            for (int i = 0; i < Repeats; i++)
            {
                before.Add(await RunAsync(cluster, Spec(root, w, w, Rounds)));
                after.Add(groups == w ? before[^1] : await RunAsync(cluster, Spec(root, w, groups, Rounds)));
                Console.Error.WriteLine($"  W {w}: every worker {before[^1]}, groups {after[^1]}");
            }
            double b = Median.Of(before.Select(m => m.SecondsPerRound)), a = Median.Of(after.Select(m => m.SecondsPerRound));
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {w} | {b:F4} | {Median.Of(before.Select(m => m.MegabytesInPerRound)):F2} | {a:F4} | {Median.Of(after.Select(m => m.MegabytesInPerRound)):F2} | {Median.Of(before.Zip(after, (x, y) => y.SecondsPerRound / x.SecondsPerRound)):F2}x |"));
        }
        rows.Add("");
        rows.Add($"VAE 784-640-20 (1.03M parameters, a 4.1 MB float32 gradient), global batch 256 (256/W rows per worker), {Rounds} rounds, " +
                 "one libtorch thread per op (`cluster.threads` 1), 2 silos in one process joined by loopback gRPC (the network stack is crossed, no wire). " +
                 "Workers are spread by index (worker i on silo i mod 2). s/round is the coordinator's: rounds 10 to 40 from the samples/s it logs " +
                 "(worker start-up and the final evaluation excluded). MB per round: bytes the other silo pushed into the coordinator's tensor store over gRPC, " +
                 $"divided by the rounds. Medians over {Repeats} repeats in which the two ways take turns; the time ratio is the median of the per-repeat ratios " +
                 "(groups / every worker; below 1 is faster). With W = 1 both ways are the same run.");
        return rows;
    }

    private sealed record Measured(double SecondsPerRound, double MegabytesInPerRound)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SecondsPerRound:F4} s/round, {MegabytesInPerRound:F2} MB/round in");
    }

    private static string Spec(string root, int workers, int groups, int rounds) => BenchSpec.FromExample(root, "vae-fashion-mnist.json", 1,
        ("model", "hiddenSize", 640), ("training", "batchSize", 256), ("training", "steps", rounds), ("training", "testLimit", 500),
        ("training", "evalEvery", 1_000_000), ("training", "logEvery", 10), ("cluster", "threads", 1),
        ("cluster", "workers", workers), ("cluster", "gradientGroups", groups)).SourceJson;

    private static async Task<Measured> RunAsync(InProcessCluster cluster, string specJson)
    {
        var silos = cluster.Silos.ToDictionary(s => s.ToString(), s => cluster.Grains.GetGrain<ISiloGrain>(s.ToParsableString()));
        var before = new Dictionary<string, long>();
        foreach (var (name, silo) in silos) before[name] = (await silo.GetStoreUsage()).ReceivedBytes;

        var submitted = await cluster.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(specJson);
        if (!submitted.Accepted) throw new InvalidOperationException(string.Join("; ", submitted.Errors));
        var coordinator = cluster.Grains.GetGrain<IJobCoordinatorGrain>(submitted.JobId!);
        JobStatus status;
        while (!(status = await coordinator.GetStatus()).IsFinished) await Task.Delay(100);
        if (status.State != JobState.Succeeded) throw new InvalidOperationException($"bench job {status.State}: {status.Message}");
        long received = (await silos[status.CoordinatorSilo!].GetStoreUsage()).ReceivedBytes - before[status.CoordinatorSilo!];

        var folder = Path.Combine(InProcessCluster.ArtifactsRoot, submitted.JobId!);
        double secondsPerRound = SecondsPerRound(Path.Combine(folder, "metrics.csv"), batch: 256);
        Directory.Delete(folder, recursive: true);
        return new Measured(secondsPerRound, received / 1e6 / status.Round);
    }

    // samples_per_s at a logged round r is (r x batch) / (seconds since the run started), so the seconds between the first and
    // the last logged rounds, divided by the rounds between them, leave start-up out.
    private static double SecondsPerRound(string metricsCsv, int batch)
    {
        var lines = File.ReadAllLines(metricsCsv);
        var header = lines[0].Split(',');
        int rate = Array.IndexOf(header, "samples_per_s");
        var rows = lines.Skip(1).Select(l => l.Split(',')).Select(f => (Round: double.Parse(f[0], CultureInfo.InvariantCulture), Rate: double.Parse(f[rate], CultureInfo.InvariantCulture))).ToList();
        var (first, last) = (rows[0], rows[^1]);
        double Seconds((double Round, double Rate) row) => row.Round * batch / row.Rate;
        return (Seconds(last) - Seconds(first)) / (last.Round - first.Round);
    }
}
