using System.Text.Json;
using Xunit.Abstractions;
using static DistGen.Cluster.Tests.JobStatusPolling;

namespace DistGen.Cluster.Tests;

/// <summary>
/// Elastic scale-up on a real cluster (redis-server and silo processes of a cluster of the test's own): a job starts on one
/// silo, a second silo joins mid-job, the job's workers spread over both from the next round on, and the final checkpoint is
/// byte for byte that of the same job run on the one silo alone. The job's 4 workers form one gradient group (set in the
/// spec), so after the join its lead pulls the moved workers' gradients over gRPC.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ElasticScaleUpTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 1000;

    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "vae-elastic", "workload": "vae", "seed": 6,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 128, "latentSize": 8 },
          "training": { "steps": 1000, "batchSize": 128, "trainLimit": 4000, "testLimit": 200, "logEvery": 100, "evalEvery": 500 },
          "cluster": { "workers": 4, "gradientGroups": 1, "elastic": true } }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-elastic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Workers_move_to_a_silo_that_joins_mid_job_and_the_result_is_that_of_one_silo()
    {
        var clusterId = $"{cluster.ClusterId}-elastic";
        await using var first = await SiloProcess.StartAsync($"{clusterId}-a", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60));
        string[] connection = ["--redis", cluster.Redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var spec = Path.Combine(_folder, "elastic.json");
        await File.WriteAllTextAsync(spec, Spec);

        // The same job on the one silo alone, from start to end.
        var alone = await SubmitAsync(spec, connection);
        var aloneFinal = await WaitForStatusAsync(alone, connection, IsFinished, TimeSpan.FromMinutes(5));
        Assert.True(aloneFinal.GetProperty("State").GetString() == "Succeeded", aloneFinal.ToString());
        Assert.Equal(1, aloneFinal.GetProperty("WorkerSilos").GetArrayLength());

        var jobId = await SubmitAsync(spec, connection);
        await WaitForStatusAsync(jobId, connection, s => s.GetProperty("Round").GetInt64() >= 20 || IsFinished(s), TimeSpan.FromMinutes(2));
        await using var second = await SiloProcess.StartAsync($"{clusterId}-b", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60));
        var joined = await WaitForStatusAsync(jobId, connection, _ => true, TimeSpan.FromMinutes(1));
        output.WriteLine($"second silo active at round {joined.GetProperty("Round").GetInt64()}");
        // A silo that joins a finished job proves nothing: it must come while the job runs.
        Assert.True(joined.GetProperty("State").GetString() == "Running" && joined.GetProperty("Round").GetInt64() < Rounds, $"the silo joined too late: {joined}");

        var spread = await WaitForStatusAsync(jobId, connection, s => s.GetProperty("WorkerSilos").GetArrayLength() == 2 || IsFinished(s), TimeSpan.FromMinutes(3));
        output.WriteLine($"workers on both silos at round {spread.GetProperty("Round").GetInt64()}: {spread.GetProperty("WorkerSilos")}");
        Assert.True(spread.GetProperty("State").GetString() == "Running", $"the workers did not move while the job ran: {spread}");
        Assert.Contains(spread.GetProperty("WorkerSilos").EnumerateArray(), s => second.Is(s.GetString()!));

        var final = await WaitForStatusAsync(jobId, connection, IsFinished, TimeSpan.FromMinutes(5));
        output.WriteLine(final.ToString());
        Assert.True(final.GetProperty("State").GetString() == "Succeeded", final.ToString());
        Assert.Equal(0, final.GetProperty("Takeovers").GetInt32());
        var expected = await File.ReadAllBytesAsync(Path.Combine(first.ArtifactsRoot, alone, "checkpoint.bin"));
        var actual = await File.ReadAllBytesAsync(Path.Combine(first.ArtifactsRoot, jobId, "checkpoint.bin"));
        Assert.True(expected.AsSpan().SequenceEqual(actual), "the final checkpoint differs from the run on one silo");
        var spec1 = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(first.ArtifactsRoot, jobId, "spec.json"))).RootElement;
        Assert.Equal(1, spec1.GetProperty("cluster").GetProperty("gradientGroups").GetInt32());
    }

    private static async Task<string> SubmitAsync(string spec, string[] connection)
    {
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        return submit.StandardOutput.Trim().Split('\n')[^1].Trim();
    }
}
