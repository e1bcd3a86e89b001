using System.Text.Json;
using static DistGen.Cluster.Tests.JobStatusPolling;
using Xunit.Abstractions;

namespace DistGen.Cluster.Tests;

/// <summary>
/// Faults on a real cluster (redis-server and two silo processes of a cluster of the test's own), each ending with the
/// job's final checkpoint byte for byte that of an uninterrupted run of the same job (or, for the unwritable run
/// folder, a failed job that names the folder and silos that stay up). The job's 4 workers form 2 gradient groups, one
/// per silo at submission; when a silo dies its workers move, every group then sums on the one silo left, and the
/// checkpoint must still be the uninterrupted run's to the byte (groups are fixed by index, not by placement).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultToleranceTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 300;
    private const int CheckpointEvery = 50;
    private const long FaultAfterRound = CheckpointEvery + 10;

    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "vae-faults", "workload": "vae", "seed": 4,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 64, "latentSize": 8 },
          "training": { "steps": 300, "batchSize": 64, "trainLimit": 2000, "testLimit": 200, "logEvery": 10, "evalEvery": 150 },
          "cluster": { "workers": 4, "checkpointEvery": 50 } }
        """;

    private static readonly SemaphoreSlim BaselineGate = new(1, 1);
    private static byte[]? _baseline;

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-faults-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_job_whose_worker_silo_is_killed_mid_round_ends_as_an_uninterrupted_run()
    {
        var run = await RunWithFaultAsync("worker-killed", cluster.Redis, async job =>
        {
            job.Worker.Process.Kill();
            await AssertStillRunningAsync(job, through: job.Coordinator);
        });
        await AssertSucceededLikeTheBaselineAsync(run);
    }

    [Fact]
    public async Task A_job_whose_coordinator_silo_is_killed_continues_from_its_last_checkpoint_and_ends_as_an_uninterrupted_run()
    {
        var run = await RunWithFaultAsync("coordinator-killed", cluster.Redis, job => { job.Coordinator.Process.Kill(); return Task.CompletedTask; });
        await AssertSucceededLikeTheBaselineAsync(run);
        Assert.True(run.Final.GetProperty("Takeovers").GetInt32() >= 1, run.Final.ToString());
        long continuedFrom = run.Final.GetProperty("ContinuedFromRound").GetInt64();
        Assert.True(continuedFrom >= run.RoundAtFault / CheckpointEvery * CheckpointEvery, $"continued from {continuedFrom}, fault at {run.RoundAtFault}");
        Assert.True(continuedFrom < Rounds, $"the takeover continued from round {continuedFrom}, after the last round");
    }

    [Fact]
    public async Task A_job_outlives_redis_stopped_for_20_seconds_and_started_again_with_its_data()
    {
        var data = Directory.CreateDirectory(Path.Combine(_folder, "redis-data")).FullName;
        var redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(15), data);
        try
        {
            var run = await RunWithFaultAsync("redis-restarted", redis, async job =>
            {
                await redis.KillAsync();
                // Answered from the coordinator's memory through its gateway: the job was mid-run while Redis was gone.
                await AssertStillRunningAsync(job, through: job.Coordinator);
                await Task.Delay(TimeSpan.FromSeconds(20));
                redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(15), data, redis.Port);
            });
            await AssertSucceededLikeTheBaselineAsync(run);
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_coordinator_silo_frozen_past_the_membership_timeout_does_not_write_as_a_second_runner_when_it_wakes()
    {
        var run = await RunWithFaultAsync("coordinator-frozen", cluster.Redis, async job =>
        {
            job.Coordinator.Process.Freeze();
            // Frozen past the membership timeout: until the other silo has declared it dead and taken the run over.
            string[] throughTheOtherSilo = ["--gateway", $"127.0.0.1:{job.Worker.GatewayPort}", "--cluster-id", job.ClusterId, .. ClusterFixture.PatientConnect];
            var takenOver = await WaitForStatusAsync(job.JobId, throughTheOtherSilo, s => s.GetProperty("Takeovers").GetInt32() >= 1 || IsFinished(s), TimeSpan.FromMinutes(3));
            job.Coordinator.Process.Resume();
            // The frozen coordinator cannot run a round, so a takeover count of 1 or more means the other silo took the run over
            // while it was frozen. The job may already have finished by then (under load a status poll can miss the short
            // stretch between the takeover and the last round); the woken runner must not write either way.
            Assert.True(takenOver.GetProperty("Takeovers").GetInt32() >= 1, $"the job was not taken over while its coordinator was frozen: {takenOver}");
        });
        await AssertSucceededLikeTheBaselineAsync(run);
        // The takeover seen while the coordinator was frozen continued from a checkpoint no later than the fault's round.
        // Under load a later takeover can follow (one was seen after the last round, continuing from round 300), so the
        // final status's ContinuedFromRound is not checked here.
        Assert.True(run.Final.GetProperty("Takeovers").GetInt32() >= 1, run.Final.ToString());
        // Every logged round once, in order: the woken runner appended nothing after the takeover.
        var steps = File.ReadAllLines(Path.Combine(run.RunFolder, "metrics.csv")).Skip(1).Select(line => long.Parse(line.Split(',')[0])).ToList();
        Assert.Equal(Enumerable.Range(1, Rounds / 10).Select(i => i * 10L), steps);
        output.WriteLine($"the frozen silo {(run.Job.Coordinator.Process.HasExited ? "exited after it woke" : "is still running")}:\n{run.Job.Coordinator.Process.Tail}");
    }

    [Fact]
    public async Task A_run_folder_made_unwritable_mid_job_fails_the_job_naming_the_folder_and_the_silos_stay_up()
    {
        string? folder = null;
        try
        {
            var run = await RunWithFaultAsync("folder-unwritable", cluster.Redis, job =>
            {
                folder = job.RunFolder;
                RunFolder.MakeUnwritable(folder);
                return Task.CompletedTask;
            }, keepSilos: async job =>
            {
                foreach (var silo in new[] { job.Coordinator, job.Worker })
                    Assert.Equal("Active", await silo.HealthStatusAsync());
            });
            Assert.True(run.Final.GetProperty("State").GetString() == "Failed", run.Final.ToString());
            Assert.Contains(run.RunFolder, run.Final.GetProperty("Message").GetString());
            // It failed on the folder mid-run, not at its end: the rounds stopped short of the last one.
            Assert.True(run.Final.GetProperty("Round").GetInt64() < Rounds, run.Final.ToString());
        }
        finally
        {
            if (folder is not null) RunFolder.MakeWritable(folder);
        }
    }

    /// <summary>The silos of one fault case and where its job stands when the fault strikes.</summary>
    private sealed record JobUnderFault(string ClusterId, string JobId, SiloProcess Coordinator, SiloProcess Worker, string RunFolder);

    private sealed record FaultRun(JobUnderFault Job, long RoundAtFault, JsonElement Final, string RunFolder);

    private async Task AssertSucceededLikeTheBaselineAsync(FaultRun run)
    {
        Assert.True(run.Final.GetProperty("State").GetString() == "Succeeded", run.Final.ToString());
        Assert.Equal(Rounds, run.Final.GetProperty("Round").GetInt64());
        var baseline = await BaselineAsync();
        var checkpoint = await File.ReadAllBytesAsync(Path.Combine(run.RunFolder, "checkpoint.bin"));
        Assert.True(baseline.AsSpan().SequenceEqual(checkpoint), "the final checkpoint differs from the uninterrupted run's");
    }

    // One uninterrupted run of the same job on a cluster like the fault cases', shared by the test class.
    private async Task<byte[]> BaselineAsync()
    {
        await BaselineGate.WaitAsync();
        try
        {
            if (_baseline is null)
            {
                var run = await RunWithFaultAsync("uninterrupted", cluster.Redis, _ => Task.CompletedTask);
                Assert.True(run.Final.GetProperty("State").GetString() == "Succeeded", run.Final.ToString());
                _baseline = await File.ReadAllBytesAsync(Path.Combine(run.RunFolder, "checkpoint.bin"));
            }
            return _baseline;
        }
        finally
        {
            BaselineGate.Release();
        }
    }

    /// <summary>
    /// Starts a two-silo cluster of its own on <paramref name="redis"/>, submits the job, strikes with <paramref name="fault"/>
    /// once both silos compute rounds and a periodic checkpoint exists, and waits for the job to end.
    /// </summary>
    private async Task<FaultRun> RunWithFaultAsync(string name, RedisServer redis, Func<JobUnderFault, Task> fault, Func<JobUnderFault, Task>? keepSilos = null)
    {
        var clusterId = $"{cluster.ClusterId}-{name}";
        // A runner silent for 10 s is replaced (the default 30 s only makes the frozen case slower).
        var settings = new Dictionary<string, string> { ["DISTGEN__Coordinator__RunnerSilentFor"] = "00:00:10", ["DISTGEN__Coordinator__HeartbeatPeriod"] = "00:00:02" };
        var starting = new[] { "a", "b" }.Select(s => SiloProcess.StartAsync($"{clusterId}-{s}", clusterId, redis.Endpoint, TimeSpan.FromSeconds(60), settings)).ToList();
        await using var first = await starting[0];
        await using var second = await starting[1];
        string[] connection = ["--redis", redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var spec = Path.Combine(_folder, $"{name}.json");
        await File.WriteAllTextAsync(spec, Spec);

        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        var status = await WaitForStatusAsync(jobId, connection, s => s.GetProperty("WorkerSilos").GetArrayLength() == 2 && s.GetProperty("Round").GetInt64() >= FaultAfterRound
            || IsFinished(s), TimeSpan.FromMinutes(2));
        var coordinatorSilo = status.GetProperty("CoordinatorSilo").GetString()!;
        var (coordinator, worker) = first.Is(coordinatorSilo) ? (first, second) : (second, first);
        var job = new JobUnderFault(clusterId, jobId, coordinator, worker, Path.Combine(coordinator.ArtifactsRoot, jobId));
        long roundAtFault = status.GetProperty("Round").GetInt64();
        // A fault that strikes a finished job proves nothing: it must come while the job runs, before its last round.
        Assert.True(status.GetProperty("State").GetString() == "Running" && roundAtFault < Rounds, $"{name}: the job was not mid-run when the fault came: {status}");
        output.WriteLine($"{name}: fault at round {roundAtFault}, coordinator on {coordinator.Name}");
        await fault(job);

        var final = await WaitForStatusAsync(jobId, connection, IsFinished, TimeSpan.FromMinutes(5));
        output.WriteLine($"{name}: {final}");
        if (keepSilos is not null) await keepSilos(job);
        return new FaultRun(job, roundAtFault, final, job.RunFolder);
    }

    // Status through one silo's gateway (no Redis needed), right after a fault: the job is still running, short of its last round.
    private static async Task AssertStillRunningAsync(JobUnderFault job, SiloProcess through)
    {
        string[] connection = ["--gateway", $"127.0.0.1:{through.GatewayPort}", "--cluster-id", job.ClusterId, .. ClusterFixture.PatientConnect];
        var status = await WaitForStatusAsync(job.JobId, connection, _ => true, TimeSpan.FromMinutes(1));
        Assert.True(status.GetProperty("State").GetString() == "Running" && status.GetProperty("Round").GetInt64() < Rounds,
            $"the fault did not strike mid-run: {status}");
    }
}
