using System.Text.Json;
using static DistGen.Cluster.Tests.JobStatusPolling;

namespace DistGen.Cluster.Tests;

/// <summary>
/// Two clusters with their own ids on one Redis. Redis keys jobs, reminders and membership by the service id; when
/// both clusters shared one, the second cluster's reminders and status calls activated the first one's running jobs
/// there and took them over (its runners are not members of the second cluster), back and forth until the jobs failed.
/// Each cluster must see only its own jobs: asked through the other cluster, a running job is unknown and untouched.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterIsolationTests(ClusterFixture cluster) : IDisposable
{
    private const string Vae = """
        { "apiVersion": "distgen/v1", "name": "vae-isolated", "workload": "vae", "seed": 4,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 64, "latentSize": 8 },
          "training": { "steps": 150, "batchSize": 64, "trainLimit": 2000, "testLimit": 200, "logEvery": 10, "evalEvery": 150 },
          "cluster": { "workers": 2 } }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-isolation-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_second_cluster_on_the_same_redis_neither_sees_nor_takes_over_the_first_clusters_running_job()
    {
        var otherId = $"{cluster.ClusterId}-other";
        await using var other = await SiloProcess.StartAsync(otherId, otherId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60));
        string[] throughOther = ["--redis", cluster.Redis.Endpoint, "--cluster-id", otherId, .. ClusterFixture.PatientConnect];
        var spec = Path.Combine(_folder, "vae.json");
        await File.WriteAllTextAsync(spec, Vae);

        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.ConnectionArguments]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        await WaitForStatusAsync(jobId, cluster.ConnectionArguments, s => s.GetProperty("Round").GetInt64() > 0 || IsFinished(s), TimeSpan.FromMinutes(2));

        // Through the other cluster the job does not exist: status, watch and cancel say so and change nothing.
        foreach (var command in new string[][] { ["status", jobId], ["watch", jobId], ["cancel", jobId] })
        {
            var run = await ClusterFixture.RunDistgenAsync([.. command, .. throughOther]);
            Assert.True(run.ExitCode == 2 && run.Tail.Contains($"no job or sweep '{jobId}' in this cluster"), $"{command[0]} through the other cluster: exit {run.ExitCode}\n{run.Tail}");
        }
        var list = await ClusterFixture.RunDistgenAsync(["list", "--json", .. throughOther]);
        Assert.True(list.ExitCode == 0, list.Tail);
        Assert.Empty(JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray());

        var final = await WaitForStatusAsync(jobId, cluster.ConnectionArguments, IsFinished, TimeSpan.FromMinutes(4));
        Assert.True(final.GetProperty("State").GetString() == "Succeeded", final.ToString());
        Assert.True(final.GetProperty("Takeovers").GetInt32() == 0, final.ToString());
        Assert.All(final.GetProperty("WorkerSilos").EnumerateArray(), s => Assert.Contains(cluster.Silos, silo => silo.Is(s.GetString()!)));
    }

    // Before 2026-11-30 every cluster's service id was "distgen": a cluster upgraded since with another ClusterId would
    // look empty. Its silos say so once they have started, and how to see those jobs again.
    [Fact]
    public async Task A_silo_whose_service_id_follows_its_cluster_id_says_when_redis_holds_jobs_of_the_former_service_id()
    {
        const string formerRecord = "distgen/state/jobcoordinator/vae-before-upgrade/job";
        Assert.Equal("+OK", await cluster.Redis.CommandAsync("SET", formerRecord, "{}"));
        try
        {
            var upgradedId = $"{cluster.ClusterId}-upgraded";
            await using var upgraded = await SiloProcess.StartAsync(upgradedId, upgradedId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!upgraded.DistGenLog.Contains("Redis holds job records or reminders of service 'distgen'") && DateTime.UtcNow < deadline) await Task.Delay(250);
            Assert.Contains($"this silo's service id is '{upgradedId}' (its ClusterId)", upgraded.DistGenLog);
            Assert.Contains("Cluster:ServiceId=distgen on every silo", upgraded.DistGenLog);
        }
        finally
        {
            await cluster.Redis.CommandAsync("DEL", formerRecord);
        }
    }
}
