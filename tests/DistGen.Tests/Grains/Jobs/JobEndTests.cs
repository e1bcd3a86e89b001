using System.Net;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>Every way a job ends leaves nothing behind and a reason to read: released tensors, failed setups, refused starts.</summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class JobEndTests(TwoSiloCluster fixture)
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "vae-end", "workload": "vae", "seed": 5,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 },
          "training": { "steps": 12, "batchSize": 32, "trainLimit": 1000, "testLimit": 100, "logEvery": 4, "evalEvery": 12 },
          "cluster": { "workers": 2 } }
        """;

    private IGrainFactory Grains => fixture.SiloSide;

    // A runner's silo that is not (any more) in the cluster, and a heartbeat long past: the next activation takes over.
    private static readonly string GoneSilo = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1).ToParsableString();
    private static readonly DateTimeOffset LongAgo = DateTimeOffset.UtcNow.AddHours(-1);

    [Fact]
    public async Task A_finished_job_leaves_no_tensor_in_any_silos_store()
    {
        var status = await JobRuns.SubmitAndWaitAsync(Grains, Spec);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(2, status.WorkerSilos.Count);

        foreach (var silo in fixture.Cluster.GetActiveSilos())
        {
            var usage = await Grains.GetGrain<ISiloGrain>(silo.SiloAddress.ToParsableString()).GetStoreUsage();
            Assert.DoesNotContain(status.JobId, usage.Jobs);
        }
    }

    [Fact]
    public async Task A_job_whose_setup_fails_ends_failed_with_the_path_and_answers_calls_afterwards()
    {
        // The run folder cannot be created: a file is in its place.
        var jobId = JobIds.New("vae-end", DateTimeOffset.UtcNow);
        var blocked = Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId);
        await File.WriteAllTextAsync(blocked, "in the way");
        var coordinator = Grains.GetGrain<IJobCoordinatorGrain>(jobId);
        await coordinator.Start(Spec, DateTimeOffset.UtcNow);

        var status = await JobRuns.WaitForAsync(Grains, jobId, s => s.IsFinished, TimeSpan.FromSeconds(60));
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains(blocked, status.Message);
        await coordinator.Cancel();
        Assert.Equal(JobState.Failed, (await coordinator.GetStatus()).State);
        File.Delete(blocked);
    }

    [Fact]
    public async Task A_job_whose_setup_fails_frees_what_earlier_runners_left_on_every_silo()
    {
        var jobId = JobIds.New("vae-end", DateTimeOffset.UtcNow);
        var blocked = Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId);
        await File.WriteAllTextAsync(blocked, "in the way");
        // What the workers of an earlier runner leave: pulled parameters in each silo's store, the workload in each process.
        fixture.PutTensorOnEverySilo(jobId);
        foreach (var services in fixture.SiloServices) services.GetRequiredService<JobWorkloads>().Get(jobId, Spec);

        await Grains.GetGrain<IJobCoordinatorGrain>(jobId).Start(Spec, DateTimeOffset.UtcNow);
        var status = await JobRuns.WaitForAsync(Grains, jobId, s => s.IsFinished, TimeSpan.FromSeconds(60));

        Assert.Equal(JobState.Failed, status.State);
        await fixture.AssertNoSiloHoldsAsync(jobId);
        File.Delete(blocked);
    }

    [Fact]
    public async Task A_cancelled_job_leaves_no_tensor_in_any_silos_store()
    {
        var submitted = await Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec.Replace("\"steps\": 12", "\"steps\": 5000"));
        var jobId = submitted.JobId!;
        await JobRuns.WaitForAsync(Grains, jobId, s => s.Round >= 3 || s.IsFinished);
        Assert.NotEmpty(await fixture.SilosHoldingAsync(jobId));

        await Grains.GetGrain<IJobCoordinatorGrain>(jobId).Cancel();
        var status = await JobRuns.WaitForAsync(Grains, jobId, s => s.IsFinished);

        Assert.Equal(JobState.Cancelled, status.State);
        await fixture.AssertNoSiloHoldsAsync(jobId);
    }

    [Fact]
    public async Task A_job_given_up_after_too_many_takeovers_without_progress_fails_and_frees_its_tensors_on_every_silo()
    {
        var jobId = JobIds.New("vae-end", DateTimeOffset.UtcNow);
        int limit = new CoordinatorOptions().MaxTakeoversWithoutProgress;
        // Its last runner died having taken the run over `limit` times in a row without completing a round.
        await fixture.WriteJobRecordAsync(jobId, new JobRecord
        {
            SpecJson = Spec, State = JobState.Running, SubmittedAt = LongAgo, StartedAt = LongAgo, ArtifactsFolder = Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId),
            RunnerSilo = GoneSilo, HeartbeatAt = LongAgo, Lease = limit + 1, Round = 3, RoundAtLastTakeover = 3, Takeovers = limit, TakeoversWithoutProgress = limit,
        });
        fixture.PutTensorOnEverySilo(jobId);

        // The first call activates the coordinator, which finds the run orphaned and may not take it over again.
        var status = await Grains.GetGrain<IJobCoordinatorGrain>(jobId).GetStatus();

        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains($"taken over {limit} times in a row without completing a round", status.Message);
        await fixture.AssertNoSiloHoldsAsync(jobId);
    }

    [Fact]
    public async Task A_takeover_that_finds_no_checkpoint_where_the_record_says_one_was_written_fails_naming_the_folder_and_round()
    {
        var jobId = JobIds.New("vae-end", DateTimeOffset.UtcNow);
        var folder = Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId);
        // The record says round 8 was checkpointed; the run folder is there, its checkpoint is not.
        Directory.CreateDirectory(folder);
        await fixture.WriteJobRecordAsync(jobId, new JobRecord
        {
            SpecJson = Spec, State = JobState.Running, SubmittedAt = LongAgo, StartedAt = LongAgo, ArtifactsFolder = folder, Name = "vae-end", Workload = "vae",
            TotalRounds = 12, Workers = 2, RunnerSilo = GoneSilo, HeartbeatAt = LongAgo, Lease = 1, Round = 8, CheckpointRound = 8,
        });

        var status = await JobRuns.WaitForAsync(Grains, jobId, s => s.IsFinished, TimeSpan.FromSeconds(60));

        Assert.True(status.State == JobState.Failed, $"{status.State}: {status.Message}");
        Assert.Contains(folder, status.Message);
        Assert.Contains("round 8 was checkpointed", status.Message);
        Assert.Contains("refusing to start over", status.Message);
        // It was taken over once and never started again from round 0.
        Assert.Equal(1, status.Takeovers);
        Assert.Null(status.ContinuedFromRound);
        Assert.Equal(8, status.Round);
        Assert.False(File.Exists(Path.Combine(folder, "checkpoint.bin")));
    }

    [Fact]
    public async Task Starting_a_known_job_id_with_another_spec_is_refused_and_the_job_keeps_its_spec()
    {
        var status = await JobRuns.SubmitAndWaitAsync(Grains, Spec);
        var coordinator = Grains.GetGrain<IJobCoordinatorGrain>(status.JobId);

        // The job holds its spec as the registry resolved it (e.g. with the gradient groups it chose).
        var held = await coordinator.GetSpec();
        await coordinator.Start(held, DateTimeOffset.UtcNow); // the same start again changes nothing
        var other = held.Replace("\"seed\": 5", "\"seed\": 6");
        Assert.NotEqual(held, other);
        var refused = await Assert.ThrowsAsync<JobIdTakenException>(() => coordinator.Start(other, DateTimeOffset.UtcNow));
        Assert.Contains(status.JobId, refused.Message);
        Assert.Equal(held, await coordinator.GetSpec());
        Assert.Equal(JobState.Succeeded, (await coordinator.GetStatus()).State);
    }

    [Fact]
    public async Task A_job_outlives_a_storage_outage_mid_run_and_ends_as_an_uninterrupted_run()
    {
        var spec = Spec.Replace("\"steps\": 12", "\"steps\": 60");
        var uninterrupted = await JobRuns.SubmitAndWaitAsync(Grains, spec);

        var submitted = await Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(spec);
        await JobRuns.WaitForAsync(Grains, submitted.JobId!, s => s.Round >= 5 || s.IsFinished);
        using (ProcessWideGrainStorage.Outage())
        {
            // Status is answered from the activation's memory meanwhile; the rounds pause on their progress saves.
            await Task.Delay(TimeSpan.FromSeconds(4));
        }
        var final = await JobRuns.WaitForAsync(Grains, submitted.JobId!, s => s.IsFinished);

        Assert.True(final.State == JobState.Succeeded, $"{final.State}: {final.Message}");
        Assert.Equal(0, final.Takeovers);
        Assert.Equal(File.ReadAllBytes(Path.Combine(TwoSiloCluster.ArtifactsRoot, uninterrupted.JobId, "checkpoint.bin")),
            File.ReadAllBytes(Path.Combine(TwoSiloCluster.ArtifactsRoot, final.JobId, "checkpoint.bin")));
    }
}
