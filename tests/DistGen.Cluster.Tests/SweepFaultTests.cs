using System.Text.Json;
using static DistGen.Cluster.Tests.JobStatusPolling;
using Xunit.Abstractions;

namespace DistGen.Cluster.Tests;

/// <summary>
/// A sweep on a real two-silo cluster of its own (silo processes, Redis): its member jobs spread over both silos, and
/// when the silo that runs the sweep is killed mid-sweep, the other silo takes the sweep over, every member still
/// ends, and the table is written and fetched through the silo that is left.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SweepFaultTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private const string Sweep = """
        { "apiVersion": "distgen/v1", "name": "sweep-faults",
          "sweep": { "parameter": "training.normalClasses", "values": [[9], [1], [7], [5]], "maxConcurrentJobs": 2,
                     "report": ["auroc_neg_elbo", "auroc_reconstruction"] },
          "job": { "workload": "anomaly", "seed": 5, "data": { "name": "fashion-mnist" }, "model": { "hiddenSize": 32, "latentSize": 4 },
                   "training": { "normalClasses": [0], "steps": 400, "batchSize": 32, "trainLimit": 3000, "testLimit": 300,
                                 "logEvery": 20, "evalEvery": 400, "scoreSamples": 2 },
                   "cluster": { "workers": 2, "checkpointEvery": 100 } } }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-sweep-faults-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_sweep_spreads_its_jobs_over_both_silos_and_ends_with_its_table_after_the_silo_running_it_is_killed()
    {
        var clusterId = $"{cluster.ClusterId}-sweep";
        var settings = new Dictionary<string, string> { ["DISTGEN__Coordinator__RunnerSilentFor"] = "00:00:10", ["DISTGEN__Coordinator__HeartbeatPeriod"] = "00:00:02" };
        var starting = new[] { "a", "b" }.Select(s => SiloProcess.StartAsync($"{clusterId}-{s}", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60), settings)).ToList();
        await using var first = await starting[0];
        await using var second = await starting[1];
        try
        {
            await RunAsync(clusterId, first, second);
        }
        finally
        {
            // What the silos said about the sweep and its jobs (takeovers, ends), shown when the test fails.
            foreach (var silo in new[] { first, second }) output.WriteLine($"--- {silo.Name}:\n{silo.DistGenLog}");
        }
    }

    private async Task RunAsync(string clusterId, SiloProcess first, SiloProcess second)
    {
        string[] connection = ["--redis", cluster.Redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var spec = Path.Combine(_folder, "sweep.json");
        await File.WriteAllTextAsync(spec, Sweep);

        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        var sweepId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        // Mid-sweep: a member computing on both silos, and members still to come.
        var before = await WaitForStatusAsync(sweepId, connection, s => Members(s).Any(m => m.GetProperty("Silos").GetArrayLength() >= 2 && m.GetProperty("Round").GetInt64() > 0)
            || IsFinished(s), TimeSpan.FromMinutes(3));
        Assert.True(Ended(before) < 4 && !IsFinished(before), $"the sweep was not mid-way when the fault came: {before}");
        var silosUsed = Members(before).SelectMany(m => m.GetProperty("Silos").EnumerateArray().Select(s => s.GetString()!)).ToList();
        Assert.Contains(silosUsed, first.Is);
        Assert.Contains(silosUsed, second.Is);

        var (running, survivor) = first.Is(before.GetProperty("Silo").GetString()!) ? (first, second) : (second, first);
        output.WriteLine($"killing {running.Name}, which runs the sweep, with {Ended(before)} of 4 members ended");
        running.Process.Kill();
        string[] throughSurvivor = ["--gateway", $"127.0.0.1:{survivor.GatewayPort}", "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var final = await WaitForStatusAsync(sweepId, throughSurvivor, IsFinished, TimeSpan.FromMinutes(6));
        output.WriteLine(final.ToString());

        Assert.True(final.GetProperty("State").GetString() == "Succeeded", final.ToString());
        Assert.All(Members(final), m => Assert.Equal("succeeded", m.GetProperty("State").GetString()));
        // Once, by the survivor: a takeover counted elsewhere would be a silo outside this cluster acting on its sweep.
        Assert.True(final.GetProperty("Takeovers").GetInt32() == 1, final.ToString());
        Assert.True(survivor.Is(final.GetProperty("Silo").GetString()!), final.ToString());
        var table = final.GetProperty("Table").GetString()!;
        Assert.All(Members(final), m => Assert.Contains($"| {m.GetProperty("Label").GetString()} | {m.GetProperty("JobId").GetString()} | succeeded |", table));
        Assert.Contains("| **mean** (4 of 4) |", table);

        var fetched = Path.Combine(_folder, "fetched");
        var fetch = await ClusterFixture.RunDistgenAsync(["fetch", sweepId, "--out", fetched, .. throughSurvivor]);
        Assert.True(fetch.ExitCode == 0, fetch.Tail);
        Assert.Equal(table, await File.ReadAllTextAsync(Path.Combine(fetched, "sweep.md")));
        Assert.Equal(6, File.ReadAllLines(Path.Combine(fetched, "sweep.csv")).Length);

        // The console shows it as one unit: watch replays each member's end and prints the table; list has the sweep.
        var watch = await ClusterFixture.RunDistgenAsync(["watch", sweepId, .. throughSurvivor]);
        Assert.True(watch.ExitCode == 0, watch.Tail);
        var ended = watch.StandardOutput.Split('\n').SingleOrDefault(l => l.StartsWith($"member 3 ([5]) {sweepId}-3: succeeded, ", StringComparison.Ordinal));
        Assert.True(ended is not null && ended.Contains("auroc_neg_elbo ") && ended.Contains(" %"), watch.StandardOutput);
        Assert.Contains(table.Trim(), watch.StandardOutput);
        var list = await ClusterFixture.RunDistgenAsync(["list", "--json", .. throughSurvivor]);
        Assert.True(list.ExitCode == 0, list.Tail);
        Assert.Equal(4, JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray().Count(j => j.GetProperty("JobId").GetString()!.StartsWith(sweepId + "-", StringComparison.Ordinal)));
        var sweeps = await ClusterFixture.RunDistgenAsync(["list", "--sweeps", "--json", .. throughSurvivor]);
        Assert.True(sweeps.ExitCode == 0, sweeps.Tail);
        Assert.Contains(JsonDocument.Parse(sweeps.StandardOutput).RootElement.EnumerateArray(), s => s.GetProperty("SweepId").GetString() == sweepId);
    }

    private static IEnumerable<JsonElement> Members(JsonElement sweep) => sweep.GetProperty("Members").EnumerateArray();

    private static int Ended(JsonElement sweep) => Members(sweep).Count(m => m.GetProperty("State").GetString() is "succeeded" or "failed" or "cancelled" or "refused");
}
