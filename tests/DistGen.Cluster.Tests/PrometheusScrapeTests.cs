using Xunit.Abstractions;

namespace DistGen.Cluster.Tests;

/// <summary>A real Prometheus scrapes both silo processes while a job runs across them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PrometheusScrapeTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-prometheus-job-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Prometheus_sees_the_round_counter_and_the_workers_steps_increase_on_both_silos_while_a_job_runs()
    {
        await using var prometheus = await PrometheusServer.StartAsync(cluster.Silos.Select(s => $"127.0.0.1:{s.HttpPort}"), TimeSpan.FromSeconds(60));
        var spec = Path.Combine(_folder, "vae.json");
        // Long enough to be scraped many times; cancelled once seen.
        File.WriteAllText(spec, """
            { "apiVersion": "distgen/v1", "name": "vae-scraped", "workload": "vae", "seed": 3,
              "data": { "name": "fashion-mnist" },
              "model": { "hiddenSize": 64, "latentSize": 8 },
              "training": { "steps": 100000, "batchSize": 64, "trainLimit": 2000, "testLimit": 200, "logEvery": 10, "evalEvery": 100000 },
              "cluster": { "workers": 2 } }
            """);
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.ConnectionArguments]);
        Assert.True(submit.ExitCode == 0, $"submit exit {submit.ExitCode}:\n{submit.Tail}");
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        try
        {
            var rounds = $"distgen_rounds_total{{job_id=\"{jobId}\"}}";
            const string steps = "distgen_member_steps_total{family=\"vae\",role=\"worker\"}";
            var first = await WaitForAsync(prometheus, rounds, steps, (r, s) => r.Count == 1 && s.Count == 2, "both silos' first scrapes");
            var later = await WaitForAsync(prometheus, rounds, steps,
                (r, s) => r.Count == 1 && r[0].Value > first.Rounds[0].Value && s.Count == 2 && s.All(x => x.Value > Of(first.Steps, x.Labels["instance"])),
                "the counters to increase on both silos");
            output.WriteLine($"rounds {first.Rounds[0].Value} -> {later.Rounds[0].Value} on {later.Rounds[0].Labels["instance"]}; " +
                $"worker steps {string.Join(", ", later.Steps.Select(s => $"{s.Labels["instance"]}: {Of(first.Steps, s.Labels["instance"])} -> {s.Value}"))}");
            Assert.Equal(cluster.Silos.Select(s => $"127.0.0.1:{s.HttpPort}").Order(), later.Steps.Select(s => s.Labels["instance"]).Order());
            // Parameters and gradients crossed the data plane both ways: each silo sent and received tensors over gRPC.
            var moved = await prometheus.QueryAsync("sum by (instance, side) (distgen_dataplane_tensors_total)");
            foreach (var silo in cluster.Silos)
                foreach (var side in new[] { "sent", "received" })
                    Assert.Contains(moved, s => s.Labels["instance"] == $"127.0.0.1:{silo.HttpPort}" && s.Labels["side"] == side && s.Value > 0);
            Assert.NotEmpty(await prometheus.QueryAsync("distgen_dataplane_call_duration_seconds_bucket{call=\"pull\",outcome=\"ok\"}"));
            var bytes = await prometheus.QueryAsync("sum by (instance) (distgen_dataplane_bytes_total)");
            Assert.All(cluster.Silos, silo => Assert.Contains(bytes, s => s.Labels["instance"] == $"127.0.0.1:{silo.HttpPort}" && s.Value > 0));
            // The job's figures are there too, from the coordinator's silo: its loss and its throughput.
            foreach (var figure in new[] { "train_neg_elbo", "samples_per_s" })
            {
                var series = Assert.Single(await prometheus.QueryAsync($"distgen_job_metric{{job_id=\"{jobId}\",metric=\"{figure}\"}}"));
                Assert.True(series.Value > 0 && double.IsFinite(series.Value), $"{figure} = {series.Value}");
            }
        }
        finally
        {
            await ClusterFixture.RunDistgenAsync(["cancel", jobId, .. cluster.ConnectionArguments]);
        }
    }

    private static double Of(IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> series, string instance) =>
        series.Single(s => s.Labels["instance"] == instance).Value;

    private static async Task<(IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> Rounds,
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> Steps)> WaitForAsync(PrometheusServer prometheus, string rounds, string steps,
        Func<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>, IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>, bool> done,
        string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var (r, s) = (await prometheus.QueryAsync(rounds), await prometheus.QueryAsync(steps));
            if (done(r, s)) return (r, s);
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"Prometheus did not show {what} within 2 minutes: rounds {r.Count} series, steps {s.Count} series\n{prometheus.Tail}");
            await Task.Delay(500);
        }
    }
}
