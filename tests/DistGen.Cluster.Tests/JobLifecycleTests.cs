using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>A small VAE job through the real processes: submit, watch to the end, status, list, fetch; bad specs refused.</summary>
[Collection(ClusterCollection.Name)]
public sealed class JobLifecycleTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-cluster-job-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteSpec(string name, string json)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, json);
        return path;
    }

    private const string SmallVae = """
        { "apiVersion": "distgen/v1", "name": "vae-small", "workload": "vae", "seed": 2,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 64, "latentSize": 8 },
          "training": { "steps": 30, "batchSize": 64, "trainLimit": 2000, "testLimit": 200, "logEvery": 10, "evalEvery": 15 },
          "cluster": { "workers": 2 } }
        """;

    [Fact]
    public async Task A_vae_job_submitted_and_watched_runs_to_completion_across_both_silos_and_its_artifacts_can_be_fetched()
    {
        var submit = await ClusterFixture.RunDistgenAsync(["submit", WriteSpec("vae.json", SmallVae), .. cluster.ConnectionArguments]);
        Assert.True(submit.ExitCode == 0, $"submit exit {submit.ExitCode}:\n{submit.Tail}");
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();

        var watch = await ClusterFixture.RunDistgenAsync(["watch", jobId, .. cluster.ConnectionArguments], TimeSpan.FromMinutes(3));
        Assert.True(watch.ExitCode == 0, $"watch exit {watch.ExitCode}:\n{watch.Tail}");
        Assert.Contains("succeeded", watch.StandardOutput);

        var status = await ClusterFixture.RunDistgenAsync(["status", jobId, "--json", .. cluster.ConnectionArguments]);
        Assert.True(status.ExitCode == 0, status.Tail);
        using var json = JsonDocument.Parse(status.StandardOutput);
        Assert.Equal("Succeeded", json.RootElement.GetProperty("State").GetString());
        Assert.Equal(30, json.RootElement.GetProperty("Round").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("WorkerSilos").GetArrayLength());
        double testElbo = json.RootElement.GetProperty("Metrics").GetProperty("test_neg_elbo_nats").GetDouble();
        double initial = json.RootElement.GetProperty("Metrics").GetProperty("initial_test_neg_elbo_nats").GetDouble();
        Assert.True(testElbo < initial, $"test -ELBO {initial:F1} -> {testElbo:F1}");

        var list = await ClusterFixture.RunDistgenAsync(["list", "--json", .. cluster.ConnectionArguments]);
        Assert.Contains(jobId, list.StandardOutput);

        var fetched = Path.Combine(_folder, "fetched");
        var fetch = await ClusterFixture.RunDistgenAsync(["fetch", jobId, "--out", fetched, .. cluster.ConnectionArguments]);
        Assert.True(fetch.ExitCode == 0, fetch.Tail);
        foreach (var file in new[] { "metrics.csv", "loss.png", "samples.png", "checkpoint.bin", "summary.json", "spec.json" })
            Assert.True(File.Exists(Path.Combine(fetched, file)), file);
    }

    public static TheoryData<string, string, string, string> BadSpecs => new()
    {
        { "unknown field", "\"seed\": 2,", "\"seed\": 2, \"sed\": 1,", "$.sed" },
        { "out of range", "\"steps\": 30", "\"steps\": 0", "$.training.steps" },
        { "wrong type", "\"workers\": 2", "\"workers\": \"two\"", "$.cluster.workers" },
        { "batch not divisible", "\"batchSize\": 64", "\"batchSize\": 63", "$.training.batchSize" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task A_malformed_spec_exits_2_naming_the_json_path_and_the_cluster_is_unaffected(string problem, string find, string replace, string path)
    {
        var run = await ClusterFixture.RunDistgenAsync(["submit", WriteSpec("bad.json", SmallVae.Replace(find, replace)), .. cluster.ConnectionArguments]);
        Assert.True(run.ExitCode == 2, $"{problem}: exit {run.ExitCode}\n{run.Tail}");
        Assert.Contains(path, run.Tail);

        var after = await ClusterFixture.RunDistgenAsync(["cluster", "--json", .. cluster.ConnectionArguments]);
        Assert.Equal(0, after.ExitCode);
    }

    public enum SiloLoss { WorkerSiloTerminated, CoordinatorSiloTerminated, CoordinatorSiloKilled }

    // SIGTERM drains a silo: its workers' round is repeated on the silo that stays. When the leaving silo hosts the
    // coordinator (and, while membership changes, Orleans may move the coordinator anyway), the coordinator stops after
    // a checkpoint and a new activation on the other silo takes the run over from it. A killed coordinator silo leaves
    // no such checkpoint: the run is taken over from the last periodic one. Either way the job succeeds.
    [Theory]
    [InlineData(SiloLoss.WorkerSiloTerminated)]
    [InlineData(SiloLoss.CoordinatorSiloTerminated)]
    [InlineData(SiloLoss.CoordinatorSiloKilled)]
    public async Task A_job_survives_a_silo_that_leaves_or_dies_mid_run(SiloLoss loss)
    {
        // A cluster of its own (same Redis, another cluster id), so the shared fixture's silos stay untouched.
        var clusterId = $"{cluster.ClusterId}-{loss.ToString().ToLowerInvariant()}";
        await using var first = await SiloProcess.StartAsync($"{clusterId}-a", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60));
        await using var second = await SiloProcess.StartAsync($"{clusterId}-b", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60));
        string[] connection = ["--redis", cluster.Redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        const int checkpointEvery = 50;
        var spec = WriteSpec("loss.json", SmallVae.Replace("\"steps\": 30", "\"steps\": 400").Replace("\"evalEvery\": 15", "\"evalEvery\": 200")
            .Replace("\"workers\": 2", $"\"workers\": 2, \"checkpointEvery\": {checkpointEvery}"));

        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();

        // Once both silos compute rounds (and, to kill, a periodic checkpoint exists), stop one.
        long stopAfter = loss == SiloLoss.CoordinatorSiloKilled ? checkpointEvery + 5 : 5;
        JsonElement status;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        do
        {
            await Task.Delay(300);
            var run = await ClusterFixture.RunDistgenAsync(["status", jobId, "--json", .. connection]);
            using (var document = run.Json()) status = document.RootElement.Clone();
            Assert.True(DateTime.UtcNow < deadline, $"the job never spread over both silos: {run.StandardOutput}");
        } while (status.GetProperty("WorkerSilos").GetArrayLength() < 2 || status.GetProperty("Round").GetInt64() < stopAfter);
        var coordinatorSilo = status.GetProperty("CoordinatorSilo").GetString()!;
        Assert.True(first.Is(coordinatorSilo) || second.Is(coordinatorSilo), status.ToString());
        bool stopCoordinator = loss != SiloLoss.WorkerSiloTerminated;
        var leaving = first.Is(coordinatorSilo) == stopCoordinator ? first : second;
        long roundAtStop = status.GetProperty("Round").GetInt64();
        if (loss == SiloLoss.CoordinatorSiloKilled)
        {
            leaving.Process.Kill();
        }
        else
        {
            leaving.Process.Terminate();
            Assert.True(await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(40)), $"still running after SIGTERM:\n{leaving.Process.Tail}");
            Assert.Equal(0, leaving.Process.ExitCode);
        }

        var watch = await ClusterFixture.RunDistgenAsync(["watch", jobId, .. connection], TimeSpan.FromMinutes(4));
        Assert.True(watch.ExitCode == 0, $"watch exit {watch.ExitCode} (stopped at round {roundAtStop}):\n{watch.Tail}");
        var final = await ClusterFixture.RunDistgenAsync(["status", jobId, "--json", .. connection]);
        using var json = final.Json();
        Assert.Equal(400, json.RootElement.GetProperty("Round").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("WorkerSilos").GetArrayLength());
        if (stopCoordinator)
        {
            Assert.True(json.RootElement.GetProperty("Takeovers").GetInt32() >= 1, final.StandardOutput);
            // SIGTERM: the leaving coordinator checkpointed the round it had completed. SIGKILL: the last periodic one.
            long continuedFrom = json.RootElement.GetProperty("ContinuedFromRound").GetInt64();
            long atLeast = loss == SiloLoss.CoordinatorSiloKilled ? roundAtStop / checkpointEvery * checkpointEvery : roundAtStop;
            Assert.True(continuedFrom >= atLeast, $"continued from round {continuedFrom}, expected >= {atLeast}\n{final.StandardOutput}");
        }
    }
}
