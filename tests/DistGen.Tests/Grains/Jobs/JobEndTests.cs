using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using DistGen.Training.Core;

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
    public async Task Starting_a_known_job_id_with_another_spec_is_refused_and_the_job_keeps_its_spec()
    {
        var status = await JobRuns.SubmitAndWaitAsync(Grains, Spec);
        var coordinator = Grains.GetGrain<IJobCoordinatorGrain>(status.JobId);

        await coordinator.Start(Spec, DateTimeOffset.UtcNow); // the same start again changes nothing
        var other = Spec.Replace("\"seed\": 5", "\"seed\": 6");
        var refused = await Assert.ThrowsAsync<JobIdTakenException>(() => coordinator.Start(other, DateTimeOffset.UtcNow));
        Assert.Contains(status.JobId, refused.Message);
        Assert.Equal(Spec, await coordinator.GetSpec());
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
