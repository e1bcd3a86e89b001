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

    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task A_finished_job_leaves_no_tensor_in_any_silos_store()
    {
        var status = await JobRuns.SubmitAndWaitAsync(Grains, Spec);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(2, status.WorkerSilos.Count);

        foreach (var silo in fixture.Cluster.GetActiveSilos())
        {
            var usage = await Grains.GetGrain<ISiloTensorStoreGrain>(silo.SiloAddress.ToParsableString()).GetUsage();
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
    public async Task The_summary_wall_time_covers_the_whole_job()
    {
        var status = await JobRuns.SubmitAndWaitAsync(Grains, Spec);
        var summary = TrainingSummary.Read(Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, "summary.json"));
        double submittedToFinished = (status.FinishedAt!.Value - status.SubmittedAt).TotalSeconds;
        Assert.InRange(summary.WallSeconds, submittedToFinished - 1, submittedToFinished);
    }
}
