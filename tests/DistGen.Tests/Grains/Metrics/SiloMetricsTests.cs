using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;

namespace DistGen.Tests.Grains.Metrics;

public sealed class SiloMetricsTests : IDisposable
{
    private const int Rounds = 300;

    private readonly string _root = Directory.CreateTempSubdirectory("distgen-metrics-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Metrics_show_a_running_jobs_round_and_figures_then_its_rounds_and_the_runtime_in_prometheus_text()
    {
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { HttpPort = 0, ArtifactsRoot = _root });
        using var http = new HttpClient();
        async Task<PrometheusText> ScrapeAsync() => new(await http.GetStringAsync($"http://127.0.0.1:{silo.Endpoints.HttpPort}/metrics"));

        var jobId = await JobRuns.SubmitAsync(silo.GrainFactory, $$"""
            { "apiVersion": "distgen/v1", "name": "metrics-gan", "workload": "gan", "data": { "name": "grid25" },
              "model": { "hiddenSize": 16, "layers": 1 }, "training": { "steps": {{Rounds}}, "batchSize": 16, "logEvery": 5, "evalEvery": 1000 } }
            """);
        (string, string) job = ("job_id", jobId), gan = ("family", "gan");

        // While it runs: its round and its latest figures, as gauges.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        PrometheusText running;
        while ((running = await ScrapeAsync()).Values("distgen_job_metric", job, gan, ("metric", "d_loss")).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no d_loss gauge for {jobId} while it ran:\n{running.Text}");
            await Task.Delay(50);
        }
        var round = Assert.Single(running.Values("distgen_job_round", job, gan));
        Assert.InRange(round, 1, Rounds);
        Assert.Equal(Rounds, Assert.Single(running.Values("distgen_job_rounds_planned", job, gan)));
        Assert.True(double.IsFinite(Assert.Single(running.Values("distgen_job_metric", job, gan, ("metric", "d_loss")))));

        var status = await JobRuns.WaitForAsync(silo.GrainFactory, jobId, s => s.IsFinished);
        Assert.Equal(JobState.Succeeded, status.State);
        // Its gauges leave with its runner, which ends just after the job shows its end (a CI run under load saw the
        // gauge still there at the first scrape): give it until the deadline.
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        PrometheusText ended;
        while ((ended = await ScrapeAsync()).Values("distgen_job_round", job).Count > 0 || ended.Values("distgen_job_metric", job).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gauges of {jobId} outlived its runner by 30 s:\n{ended.Text}");
            await Task.Delay(100);
        }
        Assert.Equal(Rounds, Assert.Single(ended.Values("distgen_rounds_total", job, gan)));
        // Histograms carry the family only; other tests' jobs in this process may have added to them.
        Assert.True(Assert.Single(ended.Values("distgen_round_duration_seconds_count", gan)) >= Rounds);
        // A GAN round is two orders to the generator worker, each passed on to the discriminator worker.
        foreach (var role in new[] { "generator", "discriminator" })
            Assert.True(Assert.Single(ended.Values("distgen_member_steps_total", gan, ("role", role))) >= 2 * Rounds, role);
        // The runtime, the process and Orleans export beside it.
        foreach (var prefix in new[] { "dotnet_gc_", "process_cpu_", "orleans_", "distgen_dataplane_store_bytes" })
            Assert.Contains(ended.Samples, s => s.Name.StartsWith(prefix, StringComparison.Ordinal));
    }
}
