using DistGen.Client;
using DistGen.Client.Commands;
using DistGen.Contracts.Jobs;
using DistGen.Tests.Client.Labeling;
using DistGen.Tests.Grains;
using DistGen.Tests.Grains.Jobs;
using DistGen.Tests.Grains.Rlhf;
using Spectre.Console.Testing;

namespace DistGen.Tests.Client;

/// <summary><c>distgen label JOB-ID</c> against a running RLHF job that waits for a person's labels.</summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class LabelJobTests(TwoSiloCluster fixture)
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _errors = new();

    private Task<int> Label(LabelArguments arguments, TestConsole? console = null) =>
        LabelCommand.RunOnJobAsync(arguments, fixture.Cluster.GrainFactory, console ?? new TestConsole().Interactive(), _output, _errors, CancellationToken.None);

    [Fact]
    public async Task A_person_ranks_with_keys_quits_and_resumes_and_the_job_goes_on_when_every_request_is_answered()
    {
        var grains = fixture.Cluster.GrainFactory;
        var submitted = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(RlhfClusterTests.Spec("rlhf-label-keys", labeler: "person"));
        var jobId = submitted.JobId!;
        await JobRuns.WaitForAsync(grains, jobId, s => s.WaitingFor is not null || s.IsFinished, TimeSpan.FromMinutes(3));

        // Session 1: rank the first request (1 then 2; the last is implied), skip the second, quit.
        var console = LabelTestFiles.ConsoleWithKeys("12sq").Interactive();
        Assert.Equal(ExitCodes.Success, await Label(new LabelArguments(jobId), console));
        Assert.Contains($"job {jobId}, iteration 1", console.Output);
        Assert.Contains($"distgen label {jobId}", console.Output);
        var work = await grains.GetGrain<IJobCoordinatorGrain>(jobId).GetLabelWork();
        Assert.Equal(2, work!.Answers.Count);
        Assert.Equal([0, 1, 2], work.Answers.Single(a => a.Ranking is not null).Ranking!);
        Assert.True(work.Answers.Single(a => a.Ranking is null).Skipped);

        // Session 2, resumed: the synthetic labeler ranks the other 22, and the job goes on to the end.
        Assert.Equal(ExitCodes.Success, await Label(new LabelArguments(jobId, Auto: "sentiment", Seed: 3)));
        Assert.Contains("ranked 22 request(s)", _output.ToString());
        var status = await JobRuns.WaitForAsync(grains, jobId, s => s.IsFinished, TimeSpan.FromMinutes(3));
        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        var answers = File.ReadAllLines(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId, "labels/iteration-1/answers.jsonl"));
        Assert.Equal(24, answers.Length);

        // A job that no longer waits is refused by name, with exit code 2.
        Assert.Equal(ExitCodes.BadInput, await Label(new LabelArguments(jobId, Auto: "sentiment")));
        Assert.Contains($"job {jobId} is not waiting for labels (succeeded", _errors.ToString());
    }

    [Fact]
    public async Task An_unknown_job_and_an_answers_file_with_a_job_exit_2_naming_the_problem()
    {
        Assert.Equal(ExitCodes.BadInput, await Label(new LabelArguments("no-such-job", Auto: "sentiment")));
        Assert.Contains("no job 'no-such-job' in this cluster, and no file of that name here", _errors.ToString());
        Assert.Equal(ExitCodes.BadInput, await Label(new LabelArguments("no-such-job", Answers: "a.jsonl", Auto: "sentiment")));
        Assert.Contains("--answers names an answers file", _errors.ToString());
        Assert.True(LabelCommand.NamesJob("rlhf-kjv-20261129-abc"));
        Assert.False(LabelCommand.NamesJob("labels/iteration-1/requests.jsonl"));
        Assert.False(LabelCommand.NamesJob("requests.jsonl"));
    }
}
