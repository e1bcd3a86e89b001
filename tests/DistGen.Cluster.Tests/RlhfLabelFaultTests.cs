using System.Text.Json;
using static DistGen.Cluster.Tests.JobStatusPolling;
using Xunit.Abstractions;

namespace DistGen.Cluster.Tests;

/// <summary>
/// An RLHF job labelled by a person on a real cluster (redis-server, silo processes, <c>distgen label JOB-ID</c> through
/// Redis): while the job waits for labels its coordinator's silo is killed. The job is taken over on the surviving silo,
/// waits for the labels again there, takes them, and ends with the final checkpoint of a job that was never
/// interrupted, byte for byte.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RlhfLabelFaultTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "rlhf-label-fault", "workload": "rlhf", "seed": 6, "data": { "name": "kjv" },
          "model": { "contextLength": 24, "modelDimension": 16, "heads": 2, "layers": 1 },
          "training": {
            "pretrain": { "steps": 20, "batchSize": 8, "warmupSteps": 5, "evalInterval": 20, "evalBatches": 2 },
            "prompts": { "words": 2, "length": 12, "completionLength": 10, "heldOut": 16 },
            "comparisons": { "prompts": 16, "perPrompt": 3 },
            "labels": { "labeler": "person", "heldOutFraction": 0.25 },
            "rewardModel": { "steps": 3, "batchSize": 8 },
            "ppo": { "updates": 3, "prompts": 8, "minibatchSize": 4, "epochs": 2 } },
          "cluster": { "workers": 2, "threads": 1 } }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-rlhf-faults-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_job_waiting_for_labels_outlives_its_coordinators_silo_and_ends_as_an_uninterrupted_run()
    {
        // The uninterrupted run on the collection's cluster; the interrupted one on two silos of its own, one of which is killed.
        var baseline = await RunAsync("rlhf-uninterrupted", cluster.ConnectionArguments, cluster.Silos, kill: null);
        var settings = new Dictionary<string, string> { ["DISTGEN__Coordinator__RunnerSilentFor"] = "00:00:10", ["DISTGEN__Coordinator__HeartbeatPeriod"] = "00:00:02" };
        var clusterId = $"{cluster.ClusterId}-rlhf-killed";
        var starting = new[] { "a", "b" }.Select(s => SiloProcess.StartAsync($"rlhf-killed-{s}", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60), settings)).ToList();
        await using var first = await starting[0];
        await using var second = await starting[1];
        string[] connection = ["--redis", cluster.Redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var interrupted = await RunAsync("rlhf-coordinator-killed", connection, [first, second], kill: waiting =>
        {
            var coordinator = first.Is(waiting.GetProperty("CoordinatorSilo").GetString()!) ? first : second;
            coordinator.Process.Kill();
            output.WriteLine($"killed {coordinator.Name}, the coordinator's silo, while the job waited for labels");
        });
        Assert.True(interrupted.Final.GetProperty("Takeovers").GetInt32() >= 1, interrupted.Final.ToString());
        Assert.True(baseline.Checkpoint.AsSpan().SequenceEqual(interrupted.Checkpoint), "the final checkpoint differs from the uninterrupted run's");
    }

    private async Task<(JsonElement Final, byte[] Checkpoint)> RunAsync(string name, string[] connection, IReadOnlyList<SiloProcess> silos, Action<JsonElement>? kill)
    {
        var spec = Path.Combine(_folder, $"{name}.json");
        await File.WriteAllTextAsync(spec, Spec);
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();

        var waiting = await WaitForStatusAsync(jobId, connection, s => IsWaiting(s) || IsFinished(s), TimeSpan.FromMinutes(3));
        Assert.True(IsWaiting(waiting), waiting.ToString());
        if (kill is not null)
        {
            kill(waiting);
            // Taken over on the survivor, which starts the run again and waits for the same requests.
            waiting = await WaitForStatusAsync(jobId, connection, s => (IsWaiting(s) && s.GetProperty("Takeovers").GetInt32() >= 1) || IsFinished(s),
                TimeSpan.FromMinutes(3));
            Assert.True(IsWaiting(waiting), waiting.ToString());
        }
        var label = await ClusterFixture.RunDistgenAsync(["label", jobId, "--auto", "sentiment", "--tau", "0.6", "--seed", "9", .. connection], TimeSpan.FromMinutes(2));
        Assert.True(label.ExitCode == 0, label.Tail);
        Assert.Contains("ranked 16 request(s)", label.StandardOutput);
        var final = await WaitForStatusAsync(jobId, connection, IsFinished, TimeSpan.FromMinutes(3));
        output.WriteLine($"{name}: {final}");
        Assert.True(final.GetProperty("State").GetString() == "Succeeded", final.ToString());
        // The run folder is under the root of the silo that first coordinated the job, and stays there across takeovers.
        var folder = silos.Select(s => Path.Combine(s.ArtifactsRoot, jobId)).Single(Directory.Exists);
        Assert.Equal(16, File.ReadAllLines(Path.Combine(folder, "labels", "iteration-1", "answers.jsonl")).Length);
        return (final, await File.ReadAllBytesAsync(Path.Combine(folder, "checkpoint.bin")));
    }

    private static bool IsWaiting(JsonElement status) =>
        status.GetProperty("State").GetString() == "Running" && status.TryGetProperty("WaitingFor", out var what) && what.GetString() == "labels";
}
