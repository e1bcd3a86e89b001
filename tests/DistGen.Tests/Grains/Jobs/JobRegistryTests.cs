using System.Text.RegularExpressions;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>Submissions while the registry's storage is unreachable: a short outage is waited out, a long one fails by name and leaves nothing running.</summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class JobRegistryTests(TwoSiloCluster fixture)
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "gan-registry", "workload": "gan", "seed": 4,
          "data": { "name": "ring8" },
          "model": { "latentSize": 8, "hiddenSize": 16, "layers": 2 },
          "training": { "steps": 20, "batchSize": 32, "logEvery": 5, "evalEvery": 20 },
          "cluster": { "workers": 2 } }
        """;

    private IJobRegistryGrain Registry => fixture.SiloSide.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);

    [Fact]
    public async Task A_submission_waits_out_a_short_outage_of_the_registrys_storage_and_the_job_is_listed()
    {
        // The registry is active, its list read, before its storage goes.
        await Registry.List();
        Task<SubmitResult> submission;
        using (var outage = ProcessWideGrainStorage.Outage("registry"))
        {
            submission = Registry.Submit(Spec);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (outage.Refused < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the registry never tried to write its list");
                await Task.Delay(50);
            }
            Assert.False(submission.IsCompleted);
        }

        var submitted = await submission;

        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        Assert.Contains(submitted.JobId, (await Registry.List()).Select(s => s.JobId));
        Assert.Equal(JobState.Succeeded, (await JobRuns.WaitForAsync(fixture.SiloSide, submitted.JobId!, s => s.IsFinished)).State);
    }

    [Fact]
    public async Task A_submission_fails_naming_the_deadline_when_the_registrys_storage_stays_down_and_leaves_nothing_running()
    {
        await Registry.List();
        var spec = Spec.Replace("\"steps\": 20", "\"steps\": 5000");
        StorageOutageException error;
        var started = DateTime.UtcNow;
        using (ProcessWideGrainStorage.Outage("registry"))
            // Through a plain client, as distgen submits: the named error must survive the trip out of the cluster.
            error = await Assert.ThrowsAsync<StorageOutageException>(() =>
                fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(spec));

        Assert.InRange(DateTime.UtcNow - started, TwoSiloCluster.CallOutageDeadline, TimeSpan.FromSeconds(25));
        Assert.Contains($"Coordinator:CallOutageDeadline is {TwoSiloCluster.CallOutageDeadline}", error.Message);
        var jobId = Regex.Match(error.Message, @"could not list job (\S+):").Groups[1].Value;
        Assert.NotEmpty(jobId);
        // The job it had started was cancelled, and is not listed.
        var status = await JobRuns.WaitForAsync(fixture.SiloSide, jobId, s => s.IsFinished);
        Assert.Equal(JobState.Cancelled, status.State);
        Assert.DoesNotContain(jobId, (await Registry.List()).Select(s => s.JobId));
    }
}
