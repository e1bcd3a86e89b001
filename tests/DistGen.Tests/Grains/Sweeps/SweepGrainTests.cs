using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;
using DistGen.Tests.Grains.Jobs;

namespace DistGen.Tests.Grains.Sweeps;

/// <summary>
/// Sweeps on the in-process two-silo cluster, through a plain client as the console calls: the limit on members at once,
/// the table, a member that fails alone, a cancel, a bad member refused before anything starts, and the calls only
/// silos may make.
/// </summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class SweepGrainTests(TwoSiloCluster fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    // Fashion-MNIST's first test images are classes 9, 2, 1, 1, 6, ...: with testLimit 2 only class 9 or 2 as normal has both kinds.
    private static string Sweep(string values, int limit, int steps = 30, int testLimit = 300) => $$"""
        { "apiVersion": "distgen/v1", "name": "sweep-test",
          "sweep": { "parameter": "training.normalClasses", "values": {{values}}, "maxConcurrentJobs": {{limit}} },
          "job": { "workload": "anomaly", "seed": 3, "data": { "name": "fashion-mnist" }, "model": { "hiddenSize": 32, "latentSize": 4 },
                   "training": { "normalClasses": [0], "steps": {{steps}}, "batchSize": 32, "trainLimit": 3000, "testLimit": {{testLimit}},
                                 "logEvery": 10, "evalEvery": {{steps}}, "scoreSamples": 2 },
                   "cluster": { "workers": 2 } } }
        """;

    private IGrainFactory Client => fixture.Cluster.GrainFactory;
    private IJobRegistryGrain Registry => Client.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);

    private async Task<string> SubmitAsync(string sweep)
    {
        var submitted = await Registry.Submit(sweep);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        Assert.True(submitted.IsSweep);
        return submitted.JobId!;
    }

    private async Task<SweepStatus> WaitAsync(string sweepId, Func<SweepStatus, bool> done, Action<SweepStatus>? seen = null)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            var status = await Client.GetGrain<ISweepGrain>(sweepId).GetStatus();
            seen?.Invoke(status);
            if (done(status)) return status;
            Assert.True(DateTime.UtcNow < deadline, $"sweep {sweepId} still {status.StateName}: {string.Join(", ", status.Members.Select(m => m.State))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_sweep_runs_at_most_its_limit_of_jobs_at_once_over_both_silos_and_writes_its_table()
    {
        var sweepId = await SubmitAsync(Sweep("[[9], [1], [7], [5]]", limit: 2));
        int mostRunning = 0;
        var final = await WaitAsync(sweepId, s => s.IsFinished, s => mostRunning = Math.Max(mostRunning, s.Running));

        Assert.Equal(JobState.Succeeded, final.State);
        Assert.All(final.Members, m => Assert.Equal("succeeded", m.State));
        Assert.InRange(mostRunning, 1, 2);
        // From the jobs' own records: no moment had three of them running.
        var jobs = await Task.WhenAll(final.Members.Select(m => Client.GetGrain<IJobCoordinatorGrain>(m.JobId!).GetStatus()));
        foreach (var job in jobs)
            Assert.True(jobs.Count(other => other.SubmittedAt <= job.SubmittedAt && other.FinishedAt > job.SubmittedAt) <= 2,
                $"{job.JobId} started while two others ran: {string.Join(", ", jobs.Select(j => $"{j.SubmittedAt:HH:mm:ss.fff}-{j.FinishedAt:HH:mm:ss.fff}"))}");
        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToString()).ToHashSet();
        Assert.Equal(silos, final.Members.SelectMany(m => m.Silos).ToHashSet());
        // The mean is of the members' own figures, and the table in the sweep's folder has every member.
        Assert.Equal(final.Members.Average(m => m.Metrics["auroc_neg_elbo"]), final.Mean["auroc_neg_elbo"], 12);
        Assert.All(final.Members, m => Assert.Equal(jobs[m.Index].Metrics["auroc_neg_elbo"], m.Metrics["auroc_neg_elbo"]));
        var table = await File.ReadAllTextAsync(Path.Combine(TwoSiloCluster.ArtifactsRoot, sweepId, "sweep.md"));
        Assert.Equal(final.Table, table);
        Assert.All(final.Members, m => Assert.Contains($"| {m.Label} | {m.JobId} | succeeded |", table));
        Assert.Contains("| **mean** (4 of 4) |", table);
        var manifest = await Client.GetGrain<ISweepGrain>(sweepId).GetArtifacts();
        Assert.Equal(["spec.json", "summary.json", "sweep.csv", "sweep.md"], manifest.Files.Select(f => f.FileName));
        // A silo that took the ended sweep over has no folder: it writes the same files again from the record.
        Directory.Delete(Path.Combine(TwoSiloCluster.ArtifactsRoot, sweepId), recursive: true);
        var again = await Client.GetGrain<ISweepGrain>(sweepId).GetArtifacts();
        Assert.Equal(manifest.Files.Select(f => (f.FileName, f.Sha256)), again.Files.Select(f => (f.FileName, f.Sha256)));
        // Listed as one sweep, its members as jobs.
        Assert.Contains(await Registry.ListSweeps(), s => s.SweepId == sweepId && s.Ended == 4);
        var listed = (await Registry.List()).Select(j => j.JobId).ToHashSet();
        Assert.All(final.Members, m => Assert.Contains(m.JobId!, listed));
    }

    [Fact]
    public async Task A_member_that_cannot_start_is_refused_alone_and_the_table_shows_the_others_and_the_reason()
    {
        // Class 0 as normal leaves no normal image in the first 2 test images: its silo refuses to load the job.
        var sweepId = await SubmitAsync(Sweep("[[9], [0]]", limit: 2, testLimit: 2));

        var final = await WaitAsync(sweepId, s => s.IsFinished);

        Assert.Equal(JobState.Failed, final.State);
        Assert.Equal("1 of 2 members did not succeed; the table has the others", final.Message);
        Assert.Equal(["succeeded", "refused"], final.Members.Select(m => m.State));
        Assert.Null(final.Members[1].JobId);
        Assert.Contains("raise testLimit", final.Members[1].Message);
        Assert.Contains("| **mean** (1 of 2) |", final.Table);
        Assert.Contains($"- [0]: {final.Members[1].Message}", final.Table);
    }

    [Fact]
    public async Task A_cancelled_sweep_cancels_its_running_member_and_starts_no_other()
    {
        var sweepId = await SubmitAsync(Sweep("[[1], [2], [3]]", limit: 1, steps: 100_000));
        await WaitAsync(sweepId, s => s.Members[0].State == "running" && s.Members[0].Round > 0);

        await Client.GetGrain<ISweepGrain>(sweepId).Cancel();
        var final = await WaitAsync(sweepId, s => s.IsFinished);

        Assert.Equal(JobState.Cancelled, final.State);
        Assert.Equal(["cancelled", "cancelled", "cancelled"], final.Members.Select(m => m.State));
        Assert.NotNull(final.Members[0].JobId);
        Assert.Equal(JobState.Cancelled, (await Client.GetGrain<IJobCoordinatorGrain>(final.Members[0].JobId!).GetStatus()).State);
        Assert.All(final.Members.Skip(1), m => Assert.Null(m.JobId));
        var listed = (await Registry.List()).Select(j => j.JobId).ToList();
        Assert.DoesNotContain(listed, id => id.StartsWith(sweepId + "-1", StringComparison.Ordinal) || id.StartsWith(sweepId + "-2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sweep_with_one_bad_value_is_refused_whole_and_starts_nothing()
    {
        int sweepsBefore = (await Registry.ListSweeps()).Count;
        int jobsBefore = (await Registry.List()).Count;

        var answer = await Registry.Submit(Sweep("[[1], [10]]", limit: 2));

        Assert.False(answer.Accepted);
        Assert.Contains(answer.Errors, e => e.Contains("member 1, training.normalClasses = [10]") && e.Contains("classes are 0 to 9"));
        Assert.Equal(sweepsBefore, (await Registry.ListSweeps()).Count);
        Assert.Equal(jobsBefore, (await Registry.List()).Count);
    }

    // Admission (memory, accelerators) is asked of every member at submission, against what the silos offer: a member
    // that could never run refuses the sweep then, naming it, rather than each such member being refused as it starts.
    [Fact]
    public async Task A_sweep_with_a_member_too_large_for_the_cluster_is_refused_whole_naming_the_member()
    {
        int sweepsBefore = (await Registry.ListSweeps()).Count;
        int jobsBefore = (await Registry.List()).Count;

        // 13 million parameters (hidden 8192): 256 workers' gradients need 13 GiB of the coordinator's store; 2 workers fit.
        var answer = await Registry.Submit("""
            { "apiVersion": "distgen/v1", "name": "sweep-too-large",
              "sweep": { "parameter": "cluster.workers", "values": [2, 256], "maxConcurrentJobs": 1 },
              "job": { "workload": "vae", "data": { "name": "fashion-mnist" }, "model": { "hiddenSize": 8192 },
                       "training": { "batchSize": 256 }, "cluster": { "workers": 2 } } }
            """);

        Assert.False(answer.Accepted);
        var error = Assert.Single(answer.Errors);
        Assert.StartsWith("$.job.cluster.workers (member 1, cluster.workers = 256): ", error);
        Assert.Contains("use fewer workers", error);
        Assert.Equal(sweepsBefore, (await Registry.ListSweeps()).Count);
        Assert.Equal(jobsBefore, (await Registry.List()).Count);
    }

    [Fact]
    public async Task A_plain_client_cannot_start_a_sweep_or_a_member_job_by_itself()
    {
        var sweep = Client.GetGrain<ISweepGrain>("forged-sweep");
        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sweep.Start(Sweep("[[1]]", 1), DateTimeOffset.UtcNow));
        Assert.Contains("ISweepGrain.Start is internal to the cluster's silos", refused.Message);
        Assert.Equal(default, (await sweep.GetStatus()).SubmittedAt);

        var member = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Registry.SubmitMember("forged-job", "{}"));
        Assert.Contains("IJobRegistryGrain.SubmitMember is internal to the cluster's silos", member.Message);
        Assert.Equal(default, (await Client.GetGrain<IJobCoordinatorGrain>("forged-job").GetStatus()).SubmittedAt);
    }
}
