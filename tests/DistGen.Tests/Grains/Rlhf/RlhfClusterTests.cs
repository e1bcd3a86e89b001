using DistGen.Contracts.Jobs;
using DistGen.Tests.Grains.Jobs;
using DistGen.Tests.Training.TorchSafety;
using DistGen.Training.Core;
using DistGen.Training.Rlhf;
using DistGen.Training.Specs;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DistGen.Tests.Grains.Rlhf;

[Collection(TwoSiloClusterCollection.Name)]
public sealed class RlhfClusterTests(TwoSiloCluster fixture, ITestOutputHelper output) : IDisposable
{
    private readonly string _reference = Directory.CreateTempSubdirectory("distgen-rlhf-reference-").FullName;

    public void Dispose() => Directory.Delete(_reference, recursive: true);

    // A tiny policy pretrained for 30 steps, 24 prompts ranked 3 ways, 3 reward-model steps and 3 PPO updates (with PPO-ptx
    // unless ptx is 0), on 2 actors.
    internal static string Spec(string name, int workers = 2, int ppoPrompts = 8, string from = "", string labeler = "auto", string mode = "sync", int updates = 3,
        double ptx = 0.5) => $$"""
        { "apiVersion": "distgen/v1", "name": "{{name}}", "workload": "rlhf", "seed": 5,
          "data": { "name": "kjv" },
          "model": { "contextLength": 24, "modelDimension": 16, "heads": 2, "layers": 1 },
          "training": { "from": "{{from}}",
            "pretrain": { "steps": 30, "batchSize": 8, "warmupSteps": 5, "evalInterval": 30, "evalBatches": 2 },
            "prompts": { "words": 2, "length": 12, "completionLength": 10, "heldOut": 16 },
            "comparisons": { "prompts": 24, "perPrompt": 3 },
            "labels": { "labeler": "{{labeler}}", "tau": 0.6, "heldOutFraction": 0.25 },
            "rewardModel": { "steps": 3, "batchSize": 8 },
            "ppo": { "updates": {{updates}}, "prompts": {{ppoPrompts}}, "minibatchSize": {{Math.Min(4, ppoPrompts)}}, "epochs": 2, "mode": "{{mode}}", "maxPolicyLag": 1,
                     "pretrainCoefficient": {{ptx.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "pretrainBatchSize": 2 } },
          "cluster": { "workers": {{workers}}, "threads": 1 } }
        """;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public async Task Reward_model_rounds_and_sync_PPO_with_2_text_actors_equal_the_reference_trainer(double ptx)
    {
        var spec = Spec("rlhf-cluster", ptx: ptx);
        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, spec, TimeSpan.FromMinutes(6));
        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        Assert.Equal(6, status.Round);

        var job = SpecLoader.Parse(spec);
        job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(_reference, job.Spec.Seed));
        var workload = job.CreateRoundWorkload<RlhfWorkload>();
        var clusterCheckpoint = Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, "checkpoint.bin");
        var referenceCheckpoint = Path.Combine(_reference, "checkpoint.bin");

        // The reward model after 3 data-parallel steps, and the policy after 3 PPO updates on the actors' rollouts.
        var (expectedPolicy, expectedRewardModel) = Networks(referenceCheckpoint, workload);
        var (actualPolicy, actualRewardModel) = Networks(clusterCheckpoint, workload);
        double rewardModel = MaxDifference(expectedRewardModel, actualRewardModel);
        double policy = MaxDifference(expectedPolicy, actualPolicy);
        output.WriteLine($"max |parameter difference|: reward model {rewardModel:E3}, policy {policy:E3}");
        Assert.True(rewardModel <= 1e-5, $"reward model: max |parameter difference| {rewardModel:E3}");
        Assert.True(policy <= 1e-5, $"policy: max |parameter difference| {policy:E3}");

        // It trained, the actors ran on both silos, and the figures of the reference's summary are in the job's status.
        var start = ParameterVector.Flatten(PolicyStart.FromCheckpoint(Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, PolicyStart.PretrainFolder),
            workload.Model, workload.Tokens, RunContext.OnCpu(_reference, job.Spec.Seed)).parameters());
        Assert.True(MaxDifference(start, actualPolicy.Take(start.Length).ToArray()) > 1e-4, "PPO did not change the policy");
        Assert.Equal(2, status.WorkerSilos.Count);
        var summary = TrainingSummary.Read(Path.Combine(_reference, "summary.json"));
        foreach (var figure in new[] { "win_rate_vs_start", "kl_nats_per_completion", "rm_heldout_accuracy_rule", "val_loss", "distinct_2" })
            Assert.Equal(summary.Figures[figure], status.Metrics[figure], 4);
        foreach (var file in new[] { "labels/iteration-1/requests.jsonl", "labels/iteration-1/answers.jsonl", "samples.jsonl", "reward_kl.png", "summary.json" })
            Assert.True(File.Exists(Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, file)), $"{file} was not written");
        Assert.Equal(File.ReadAllText(Path.Combine(_reference, "labels/iteration-1/answers.jsonl")),
            File.ReadAllText(Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, "labels/iteration-1/answers.jsonl")));
    }

    [Fact]
    public async Task A_job_labelled_by_a_person_waits_for_every_answer_and_then_trains_as_with_those_labels()
    {
        var grains = fixture.Cluster.GrainFactory;
        var submitted = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec("rlhf-person", labeler: "person"));
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        var jobId = submitted.JobId!;
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var waiting = await JobRuns.WaitForAsync(grains, jobId, s => s.WaitingFor is not null || s.IsFinished, TimeSpan.FromMinutes(3));
        Assert.Equal("waiting-for-labels", waiting.StateName);
        Assert.Contains($"distgen label {jobId}", waiting.Message);
        Assert.Equal(0, waiting.Round);

        var work = await coordinator.GetLabelWork();
        Assert.NotNull(work);
        Assert.Equal(24, work.Requests.Count);
        Assert.Empty(work.Answers);

        // A ranking that is no permutation and an unknown request are refused by name; nothing is recorded.
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => coordinator.SubmitLabel(new LabelAnswerMessage(work.Requests[0].Id, [0, 0, 1], false, false, "person")));
        Assert.Contains("each exactly once", bad.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => coordinator.SubmitLabel(new LabelAnswerMessage("9-99999", [0, 1, 2], false, false, "person")));

        // The person ranks as the synthetic labeler of an "auto" job would; one answer is undone and given again.
        var labeler = new SyntheticLabeler(PreferenceRules.Named("sentiment"), 0.6, Seeding.Derive(5, "labeler:1"));
        var requests = work.Requests.Select(r => new LabelRequest(r.Id, r.Context, r.Prompt, r.Completions)).ToList();
        LabelProgress? progress = null;
        foreach (var request in requests.Take(5))
            progress = await coordinator.SubmitLabel(Message(labeler.Answer(request)));
        await coordinator.SubmitLabel(new LabelAnswerMessage(requests[4].Id, null, false, true, "person"));
        var resumed = await coordinator.GetLabelWork();
        Assert.Equal(4, resumed!.Answers.Count);
        Assert.Contains("4 of 24", (await coordinator.GetStatus()).Message ?? "");
        foreach (var request in requests.Skip(4))
            progress = await coordinator.SubmitLabel(Message(labeler.Answer(request)));
        Assert.True(progress!.Complete);
        Assert.Equal(24, progress.Answered);

        var status = await JobRuns.WaitForAsync(grains, jobId, s => s.IsFinished, TimeSpan.FromMinutes(3));
        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        Assert.Null(status.WaitingFor);
        Assert.Null(await coordinator.GetLabelWork());
        await Assert.ThrowsAsync<InvalidOperationException>(() => coordinator.SubmitLabel(Message(labeler.Answer(requests[0]))));

        // Trained on the same rankings, it ends exactly where the reference trainer's synthetic labeler takes it.
        var auto = Spec("rlhf-person");
        var job = SpecLoader.Parse(auto);
        job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(_reference, job.Spec.Seed));
        var workload = job.CreateRoundWorkload<RlhfWorkload>();
        var (expectedPolicy, _) = Networks(Path.Combine(_reference, "checkpoint.bin"), workload);
        var (actualPolicy, _) = Networks(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId, "checkpoint.bin"), workload);
        Assert.True(MaxDifference(expectedPolicy, actualPolicy) <= 1e-5, $"policy: max |parameter difference| {MaxDifference(expectedPolicy, actualPolicy):E3}");
        var answersFile = File.ReadAllLines(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId, "labels/iteration-1/answers.jsonl"));
        Assert.Equal(26, answersFile.Length);
    }

    private static LabelAnswerMessage Message(LabelAnswer answer) => new(answer.Id, answer.Ranking, answer.Skipped, answer.Undone, "person");

    [Fact]
    public async Task Async_PPO_trains_on_rollouts_at_most_the_max_policy_lag_old_and_records_the_lags()
    {
        const int updates = 10;
        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, Spec("rlhf-async", mode: "async", updates: updates), TimeSpan.FromMinutes(6));
        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        var summary = TrainingSummary.Read(Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, "summary.json"));
        output.WriteLine(string.Join(", ", summary.Figures.Where(f => f.Key.Contains("lag") || f.Key.Contains("stale")).Select(f => $"{f.Key} {f.Value}")));
        // Two actor rollouts per update, each 0 or 1 versions behind (maxPolicyLag 1): nothing older was trained on.
        Assert.Equal(2 * updates, summary.Figures["policy_lag_0_rollouts"] + summary.Figures["policy_lag_1_rollouts"]);
        Assert.False(summary.Figures.ContainsKey("policy_lag_2_rollouts"));
        // Orders issued while version v was being trained carry v-1: the actors sampled ahead of the learner.
        Assert.True(summary.Figures["policy_lag_1_rollouts"] > 0);
        Assert.Equal(2, status.WorkerSilos.Count);
    }

    [Fact]
    public async Task An_async_run_succeeds_while_another_thread_forces_garbage_collections()
    {
        // Actors sample and score while the learner steps, on both silos of this process, with collections forced non-stop:
        // what crashed async CartPole PPO before every Scalar handed to libtorch was owned.
        // Submitted first: the submission (the spec's checks load the corpus) is not what this attacks.
        var jobId = await JobRuns.SubmitAsync(fixture.Cluster.GrainFactory, Spec("rlhf-gc", mode: "async", updates: 4));
        using var pressure = new CollectionPressure();
        var status = await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, jobId, s => s.IsFinished, TimeSpan.FromMinutes(8));
        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        Assert.Equal(7, status.Round);
        output.WriteLine($"{pressure.Collections} forced collections during the run");
    }

    [Fact]
    public async Task Status_tells_of_pretraining_before_the_first_round()
    {
        var spec = Spec("rlhf-long-pretrain").Replace("\"steps\": 30,", "\"steps\": 20000,");
        var grains = fixture.Cluster.GrainFactory;
        var jobId = await JobRuns.SubmitAsync(grains, spec);

        // The message is stored with the runner's heartbeat (every 5 s).
        var pretraining = await JobRuns.WaitForAsync(grains, jobId, s => s.Message?.StartsWith("pretraining the policy: step ") == true || s.IsFinished,
            TimeSpan.FromMinutes(1));
        Assert.Equal(JobState.Running, pretraining.State);
        Assert.Equal(0, pretraining.Round);
        Assert.Matches(@"^pretraining the policy: step \d+ of 20000, train_loss \d+\.\d{3}$", pretraining.Message);

        await grains.GetGrain<IJobCoordinatorGrain>(jobId).Cancel();
        Assert.Equal(JobState.Cancelled, (await JobRuns.WaitForAsync(grains, jobId, s => s.IsFinished, TimeSpan.FromMinutes(1))).State);
    }

    [Fact]
    public async Task An_async_job_whose_prompts_do_not_split_evenly_over_the_actors_is_refused()
    {
        var submitted = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec("rlhf-uneven", workers: 3, mode: "async"));
        Assert.Contains(submitted.Errors, e => e.Contains("$.training.ppo.prompts") && e.Contains("not a multiple of cluster.workers = 3"));
    }

    [Fact]
    public async Task A_job_with_fewer_PPO_prompts_than_text_actors_is_refused_at_submission_naming_the_setting()
    {
        var submitted = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec("rlhf-too-few", workers: 4, ppoPrompts: 2));
        Assert.False(submitted.Accepted);
        output.WriteLine(string.Join("\n", submitted.Errors));
        Assert.Contains(submitted.Errors, e => e.Contains("$.training.ppo.prompts") && e.Contains("cluster.workers = 4"));
    }

    [Fact]
    public async Task A_job_starts_from_a_finished_char_lm_job_named_by_its_id()
    {
        var lm = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, """
            { "apiVersion": "distgen/v1", "name": "rlhf-start", "workload": "char-lm", "seed": 5, "data": { "name": "kjv" },
              "model": { "contextLength": 24, "modelDimension": 16, "heads": 2, "layers": 1 },
              "training": { "steps": 20, "batchSize": 8, "evalInterval": 20, "evalBatches": 2, "sampleCount": 0 },
              "cluster": { "workers": 1, "threads": 1 } }
            """);
        Assert.Equal(JobState.Succeeded, lm.State);

        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, Spec("rlhf-from-job", from: lm.JobId), TimeSpan.FromMinutes(6));
        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        var folder = Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId);
        // The id was resolved at submission to the char-lm job's run folder, which the job's spec.json records; nothing was pretrained.
        var recorded = SpecLoader.LoadFile(Path.Combine(folder, "spec.json"));
        Assert.Equal(Path.Combine(TwoSiloCluster.ArtifactsRoot, lm.JobId), ((RlhfTrainingOptions)recorded.Training).From);
        Assert.False(Directory.Exists(Path.Combine(folder, PolicyStart.PretrainFolder)));

        // A job that is not a char-lm job is no start.
        var refused = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec("rlhf-from-rlhf", from: status.JobId));
        Assert.Contains(refused.Errors, e => e.StartsWith("$.training.from") && e.Contains("is a rlhf job"));
    }

    [Theory]
    [InlineData("no-such-job", "is not a job of this cluster")]
    public async Task A_job_starting_from_an_unknown_job_is_refused_naming_the_setting(string from, string reason)
    {
        var submitted = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec("rlhf-bad-from", from: from));
        Assert.False(submitted.Accepted);
        Assert.Contains(submitted.Errors, e => e.StartsWith("$.training.from") && e.Contains(reason));
    }

    private static (float[] Policy, float[] RewardModel) Networks(string checkpoint, RlhfWorkload workload)
    {
        using var policy = workload.CreatePolicy();
        using var rewardModel = workload.CreateRewardModel();
        Checkpoint.LoadModules(checkpoint, new Dictionary<string, nn.Module> { ["policy"] = policy, ["reward_model"] = rewardModel });
        return (ParameterVector.Flatten(policy.parameters()), ParameterVector.Flatten(rewardModel.parameters()));
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => (double)Math.Abs(p.First - p.Second));
    }
}
