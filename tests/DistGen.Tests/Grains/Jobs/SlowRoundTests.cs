using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>
/// Issue 10: a round that lasts longer than Coordinator:RunnerSilentFor must not make its live runner look gone. The
/// heartbeat comes from the coordinator's timer, not from the rounds, so while every round takes longer than the
/// silence limit the stored record always shows a runner that another activation would leave alone, the lease never
/// changes, no takeover is recorded, and the job ends bit-identical to the same job with fast rounds.
/// Runs on a cluster of its own (short coordinator limits, slowed worker steps), in the fixture's collection.
/// </summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class SlowRoundTests : IAsyncLifetime
{
    private static readonly CoordinatorOptions Limits = new()
    {
        HeartbeatPeriod = TimeSpan.FromMilliseconds(500),
        RunnerSilentFor = TimeSpan.FromSeconds(2),
    };

    // Every worker step waits this long before it computes: each round outlasts RunnerSilentFor by half.
    private static readonly TimeSpan StepDelay = TimeSpan.FromSeconds(3);

    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "vae-slow", "workload": "vae", "seed": 9,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 },
          "training": { "steps": 6, "batchSize": 32, "trainLimit": 1000, "testLimit": 100, "logEvery": 2, "evalEvery": 6 },
          "cluster": { "workers": 2 } }
        """;

    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        SlowSteps.Enabled = false;
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Rounds_longer_than_RunnerSilentFor_keep_one_runner_with_its_first_lease_and_end_as_a_fast_run()
    {
        var fast = await JobRuns.SubmitAndWaitAsync(_cluster.GrainFactory, Spec);
        Assert.True(fast.State == JobState.Succeeded, $"{fast.State}: {fast.Message}");

        SlowSteps.Enabled = true;
        var submitted = await _cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        var watch = await WatchStoredRecordAsync(submitted.JobId!);
        SlowSteps.Enabled = false;

        // The rounds really were slower than the silence limit, and a record read at any moment showed a live runner.
        Assert.True(watch.LongestRound > Limits.RunnerSilentFor, $"longest round {watch.LongestRound}");
        Assert.True(watch.SilentReads == 0,
            $"{watch.SilentReads} reads found the runner silent (a heartbeat up to {watch.OldestHeartbeat} old) while rounds took up to {watch.LongestRound}: another activation would have taken over");
        Assert.Equal([1L], watch.Leases);
        Assert.Single(watch.RunnerSilos);

        var final = await JobRuns.WaitForAsync(_cluster.GrainFactory, submitted.JobId!, s => s.IsFinished);
        Assert.True(final.State == JobState.Succeeded, $"{final.State}: {final.Message}");
        Assert.Equal(0, final.Takeovers);
        Assert.Null(final.ContinuedFromRound);
        var folder = Path.Combine(TwoSiloCluster.ArtifactsRoot, final.JobId);
        Assert.Equal("1", File.ReadAllText(Path.Combine(folder, JobLeaseFence.FileName)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(TwoSiloCluster.ArtifactsRoot, fast.JobId, "checkpoint.bin")),
            File.ReadAllBytes(Path.Combine(folder, "checkpoint.bin")));
        // metrics.csv has every logged round once, in order: no second runner appended to it (its timings differ by design).
        var steps = File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(line => line.Split(',')[0]);
        Assert.Equal(["2", "4", "6"], steps);
    }

    private sealed record RecordWatch(TimeSpan LongestRound, TimeSpan OldestHeartbeat, int SilentReads, IReadOnlyList<long> Leases, IReadOnlySet<string?> RunnerSilos);

    // Reads the job's record from storage, as another activation would, every 50 ms until the job ends: the longest
    // time between two completed rounds, the oldest heartbeat, how often the takeover rule would have found the runner
    // silent, and every lease and runner silo the record named.
    private async Task<RecordWatch> WatchStoredRecordAsync(string jobId)
    {
        var grainId = _cluster.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetGrainId();
        var serializer = ((InProcessSiloHandle)_cluster.Primary!).SiloHost.Services.GetRequiredService<Serializer>();
        var (longestRound, oldestHeartbeat) = (TimeSpan.Zero, TimeSpan.Zero);
        var leases = new List<long>();
        var runners = new HashSet<string?>();
        long round = -1;
        int silentReads = 0;
        var roundSince = DateTimeOffset.UtcNow;
        var deadline = DateTimeOffset.UtcNow + JobRuns.DefaultLimit;
        while (true)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"job {jobId} did not end in {JobRuns.DefaultLimit}");
            var stored = ProcessWideGrainStorage.Stored("job", grainId);
            var now = DateTimeOffset.UtcNow;
            if (stored is not null)
            {
                var record = serializer.Deserialize<JobRecord>(stored)!;
                if (record.State is not JobState.Running) break;
                if (!leases.Contains(record.Lease)) leases.Add(record.Lease);
                runners.Add(record.RunnerSilo);
                oldestHeartbeat = Max(oldestHeartbeat, now - record.HeartbeatAt!.Value);
                if (!RunnerLiveness.HeartbeatIsRecent(record, now, Limits)) silentReads++;
                if (record.Round != round)
                {
                    if (round > 0) longestRound = Max(longestRound, now - roundSince);
                    (round, roundSince) = (record.Round, now);
                }
            }
            await Task.Delay(50);
        }
        return new RecordWatch(longestRound, oldestHeartbeat, silentReads, leases, runners);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Holds every trainer worker's step for <see cref="StepDelay"/> while enabled: a slow but live round.</summary>
    private sealed class SlowSteps : IIncomingGrainCallFilter
    {
        private static int _enabled;

        public static bool Enabled
        {
            get => Volatile.Read(ref _enabled) == 1;
            set => Volatile.Write(ref _enabled, value ? 1 : 0);
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (Enabled && context.Grain is ITrainerWorkerGrain && context.ImplementationMethod.Name == nameof(ITrainerWorkerGrain.Step))
                await Task.Delay(StepDelay);
            await context.Invoke();
        }
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            InProcessSilo.ConfigureOrleans(silo);
            silo.Services.AddSingleton<IIncomingGrainCallFilter, SlowSteps>();
        }

        public void Configure(IHostBuilder host) => InProcessSilo.ConfigureHost(host, _ => new Dictionary<string, string?>(
            InProcessSilo.DataPlane(TwoSiloCluster.Secret, TwoSiloCluster.ArtifactsRoot))
        {
            ["Coordinator:HeartbeatPeriod"] = Limits.HeartbeatPeriod.ToString("c"),
            ["Coordinator:RunnerSilentFor"] = Limits.RunnerSilentFor.ToString("c"),
        });
    }
}
