using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>A silo that could not be reached when a job ended frees what the job left on it at its next cleanup.</summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class FinishedJobCleanupTests(TwoSiloCluster fixture)
{
    // Synthetic data: caching this workload costs nothing.
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "gan-cleanup", "workload": "gan", "seed": 3,
          "data": { "name": "ring8" },
          "model": { "latentSize": 8, "hiddenSize": 16, "layers": 2 },
          "training": { "steps": 10, "batchSize": 32, "logEvery": 5, "evalEvery": 10 },
          "cluster": { "workers": 2 } }
        """;

    [Fact]
    public async Task A_cleanup_frees_what_a_finished_job_left_on_its_silo_and_keeps_what_an_unfinished_job_holds()
    {
        var now = DateTimeOffset.UtcNow;
        var finished = JobIds.New("gan-cleanup", now);
        var unknown = JobIds.New("gan-cleanup", now);
        await fixture.WriteJobRecordAsync(finished, new JobRecord { SpecJson = Spec, State = JobState.Succeeded, SubmittedAt = now, FinishedAt = now });
        // What this silo still holds because it could not be reached when the job ended.
        var silo = fixture.SiloServices.First();
        var store = silo.GetRequiredService<TensorStore>();
        var workloads = silo.GetRequiredService<JobWorkloads>();
        foreach (var job in new[] { finished, unknown })
        {
            Assert.True(store.TryAdd(TensorKey.ParametersOf(job, 1), new TensorPayload([2], [1f, 2f])));
            workloads.Get(job, Spec);
        }

        var released = await silo.GetRequiredService<FinishedJobCleanup>().CleanUpAsync();

        Assert.Contains(finished, released);
        Assert.DoesNotContain(unknown, released);
        Assert.DoesNotContain(finished, store.Usage().Jobs);
        Assert.DoesNotContain(finished, workloads.Jobs);
        // A job whose coordinator does not know it as finished (here: no record at all) keeps what it holds.
        Assert.Contains(unknown, store.Usage().Jobs);
        Assert.Contains(unknown, workloads.Jobs);
        store.ReleaseJob(unknown);
        workloads.Release(unknown);
    }
}
