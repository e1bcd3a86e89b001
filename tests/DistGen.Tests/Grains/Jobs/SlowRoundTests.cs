using System.Collections.Concurrent;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.GrainDirectory;
using Orleans.Metadata;
using Orleans.Runtime.GrainDirectory;
using Orleans.Runtime.Placement;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>
/// Issue 10: a round that lasts longer than Coordinator:RunnerSilentFor must not make its live runner look gone. While
/// every round takes longer than the silence limit, a second activation of the job's coordinator (on the other silo)
/// asks for the job's status again and again, and each time judges the runner as any new activation does. The heartbeat
/// comes from the coordinator's timer, not from the rounds, so it always finds the runner alive and only mirrors: the
/// lease stays 1, no takeover is recorded, and the job ends bit-identical to the same job with fast rounds.
/// Runs on a cluster of its own (short coordinator limits, slowed worker steps, a directory that can forget the
/// coordinator), in the fixture's collection.
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
        var (runnerSilo, otherSilo) = (_cluster.Primary!, _cluster.SecondarySilos[0]);
        // The registry and every coordinator start on one silo, so the other has never looked the slow job's coordinator up.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, runnerSilo.SiloAddress);
        var fast = await JobRuns.SubmitAndWaitAsync(_cluster.GrainFactory, Spec);
        Assert.True(fast.State == JobState.Succeeded, $"{fast.State}: {fast.Message}");

        SlowSteps.Enabled = true;
        var submitted = await _cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec);
        RequestContext.Clear();
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        var jobId = submitted.JobId!;
        var watch = await ContendFromAsync(otherSilo, jobId);
        SlowSteps.Enabled = false;

        // There really were two activations, the rounds really were slower than the silence limit, and the second
        // activation, judging the record all along, never found the runner silent.
        Assert.True(watch.TakenOver is null, $"the second activation took the run over (rounds took up to {watch.LongestRound}): {watch.TakenOver}");
        Assert.Equal(new[] { runnerSilo.SiloAddress.ToString(), otherSilo.SiloAddress.ToString() }.Order(), watch.ActivationSilos.Select(s => s.ToString()).Order());
        Assert.True(watch.LongestRound > Limits.RunnerSilentFor, $"longest round {watch.LongestRound}");
        Assert.True(watch.Statuses >= 20, $"the second activation judged the runner only {watch.Statuses} times");

        var final = await JobRuns.WaitForAsync(_cluster.GrainFactory, jobId, s => s.IsFinished);
        Assert.True(final.State == JobState.Succeeded, $"{final.State}: {final.Message}");
        Assert.Equal(0, final.Takeovers);
        Assert.Null(final.ContinuedFromRound);
        Assert.Equal(runnerSilo.SiloAddress.ToString(), final.CoordinatorSilo);
        Assert.Equal(1, StoredRecord(jobId).Lease);
        var folder = Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId);
        Assert.Equal("1", File.ReadAllText(Path.Combine(folder, JobLeaseFence.FileName)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(TwoSiloCluster.ArtifactsRoot, fast.JobId, "checkpoint.bin")),
            File.ReadAllBytes(Path.Combine(folder, "checkpoint.bin")));
        // metrics.csv has every logged round once, in order: no second runner appended to it (its timings differ by design).
        var steps = File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(line => line.Split(',')[0]);
        Assert.Equal(["2", "4", "6"], steps);
    }

    private sealed record Contention(IReadOnlyList<SiloAddress> ActivationSilos, TimeSpan LongestRound, int Statuses, JobStatus? TakenOver);

    // Makes the directory forget the job's coordinator and asks for its status from the other silo, which activates it
    // a second time there (as after a lost directory partition); then keeps asking every 100 ms until the job ends. Each
    // call makes that activation read the stored record and judge the runner (JobCoordinatorGrain.TakeOverOrMirror).
    private async Task<Contention> ContendFromAsync(SiloHandle silo, string jobId)
    {
        var grains = ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<IGrainFactory>();
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        ForgetfulDirectory.Forget(coordinator.GetGrainId());
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
        var status = await coordinator.GetStatus();
        RequestContext.Clear();
        var activations = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var silos = activations.Where(a => a.GrainId == coordinator.GetGrainId()).Select(a => a.SiloAddress).ToList();

        var (longestRound, statuses) = (TimeSpan.Zero, 0);
        var (round, roundSince) = (status.Round, DateTimeOffset.UtcNow);
        var deadline = DateTimeOffset.UtcNow + JobRuns.DefaultLimit;
        while (status.State == JobState.Running)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"job {jobId} did not end in {JobRuns.DefaultLimit}");
            if (status.Takeovers > 0) return new Contention(silos, longestRound, statuses, status);
            await Task.Delay(100);
            status = await coordinator.GetStatus();
            statuses++;
            var now = DateTimeOffset.UtcNow;
            if (status.Round == round) continue;
            // Only rounds seen from start to end count (the first one seen may have started before the first status).
            if (round > 0) longestRound = longestRound > now - roundSince ? longestRound : now - roundSince;
            (round, roundSince) = (status.Round, now);
        }
        return new Contention(silos, longestRound, statuses, status.Takeovers > 0 ? status : null);
    }

    private JobRecord StoredRecord(string jobId)
    {
        var serializer = ((InProcessSiloHandle)_cluster.Primary!).SiloHost.Services.GetRequiredService<Serializer>();
        var stored = ProcessWideGrainStorage.Stored("job", _cluster.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetGrainId());
        Assert.NotNull(stored);
        return serializer.Deserialize<JobRecord>(stored)!;
    }

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

    /// <summary>
    /// The directory of this cluster's job coordinators, shared by its silos, which the test can make forget an
    /// activation, as Orleans' own directory does when it loses a partition: the next call from a silo that has not
    /// cached the address then activates the coordinator a second time while the first one still runs the job.
    /// </summary>
    private sealed class ForgetfulDirectory : IGrainDirectory
    {
        private static readonly ConcurrentDictionary<GrainId, GrainAddress> Entries = new();

        public static void Forget(GrainId grain) => Assert.True(Entries.TryRemove(grain, out _), $"{grain} was never registered");

        public Task<GrainAddress?> Register(GrainAddress address) => Register(address, null);

        // The entry stays the registered one unless it is the activation the caller replaces.
        public Task<GrainAddress?> Register(GrainAddress address, GrainAddress? previousAddress) => Task.FromResult<GrainAddress?>(
            Entries.AddOrUpdate(address.GrainId, address, (_, current) => SameActivation(current, previousAddress) ? address : current));

        public Task Unregister(GrainAddress address)
        {
            if (Entries.TryGetValue(address.GrainId, out var current) && SameActivation(current, address))
                Entries.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, current));
            return Task.CompletedTask;
        }

        public Task<GrainAddress?> Lookup(GrainId grainId) => Task.FromResult(Entries.GetValueOrDefault(grainId));

        public Task UnregisterSilos(List<SiloAddress> siloAddresses)
        {
            foreach (var (grain, address) in Entries)
                if (address.SiloAddress is { } silo && siloAddresses.Contains(silo)) Entries.TryRemove(new KeyValuePair<GrainId, GrainAddress>(grain, address));
            return Task.CompletedTask;
        }

        private static bool SameActivation(GrainAddress current, GrainAddress? other) =>
            other is not null && current.ActivationId == other.ActivationId && current.SiloAddress == other.SiloAddress;
    }

    /// <summary>Puts the job coordinators, and only them, in the <see cref="ForgetfulDirectory"/>.</summary>
    private sealed class CoordinatorsInForgetfulDirectory : IGrainDirectoryResolver
    {
        private static readonly ForgetfulDirectory Directory = new();

        public bool TryResolveGrainDirectory(GrainType grainType, GrainProperties? properties, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IGrainDirectory? grainDirectory)
        {
            bool coordinator = properties is not null && properties.Properties.TryGetValue(WellKnownGrainTypeProperties.FullTypeName, out var name)
                && name == typeof(JobCoordinatorGrain).FullName;
            grainDirectory = coordinator ? Directory : null;
            return coordinator;
        }
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            InProcessSilo.ConfigureOrleans(silo);
            silo.Services.AddSingleton<IIncomingGrainCallFilter, SlowSteps>();
            silo.Services.AddSingleton<IGrainDirectoryResolver, CoordinatorsInForgetfulDirectory>();
        }

        public void Configure(IHostBuilder host) => InProcessSilo.ConfigureHost(host, _ => new Dictionary<string, string?>(
            InProcessSilo.DataPlane(TwoSiloCluster.Secret, TwoSiloCluster.ArtifactsRoot))
        {
            ["Coordinator:HeartbeatPeriod"] = Limits.HeartbeatPeriod.ToString("c"),
            ["Coordinator:RunnerSilentFor"] = Limits.RunnerSilentFor.ToString("c"),
        });
    }
}
