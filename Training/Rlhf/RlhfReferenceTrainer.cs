using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DistGen.Training.Core;
using DistGen.Training.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// RLHF in one process, the reference the cluster must reproduce: start the policy (a char-LM checkpoint, or pretrain
/// one), then per iteration sample K completions of some training prompts, have them ranked (the synthetic labeler),
/// train a reward model on every comparison so far, and fine-tune the policy with PPO against it on a KL leash to the
/// starting policy; evaluate on held-out prompts after every iteration. Writes labels/ (requests and answers per
/// iteration), metrics.csv (per PPO update), reward_model.csv, evaluation.csv, reward_kl.png, samples.jsonl,
/// checkpoint.bin (the final policy with its value head) and summary.json.
/// </summary>
public sealed class RlhfReferenceTrainer : IReferenceTrainer
{
    public const string Workload = "rlhf";
    private const int ValidationBatches = 16, ValidationBatchSize = 32;
    private readonly CharLmModelOptions model;
    private readonly RlhfTrainingOptions training;
    private readonly ITokenStream tokens;
    private readonly PromptSet prompts;
    private readonly int workers;

    /// <summary>Checks everything a run can be refused for before any work starts (<see cref="ArgumentException"/> naming the setting).</summary>
    public RlhfReferenceTrainer(CharLmModelOptions model, RlhfTrainingOptions training, ITokenStream tokens, string heldOutText, long seed, int workers = 1)
    {
        (this.model, this.training, this.tokens, this.workers) = (model, training, tokens, workers);
        if (training.Labels.Labeler != "auto")
            throw new ArgumentException("training.labels.labeler \"person\" needs a cluster job that waits for `distgen label JOB-ID`; `distgen run --reference` labels with \"auto\" only");
        int context = PolicyStart.ShapeOf(model, training).ContextLength;
        if (training.Prompts.Length + training.Prompts.CompletionLength > context)
            throw new ArgumentException($"training.prompts.length + completionLength = {training.Prompts.Length + training.Prompts.CompletionLength} characters do not fit the policy's context of {context}");
        prompts = new PromptSet(heldOutText, training.Prompts, seed);
        if (training.Comparisons.Prompts > prompts.Training.Count)
            throw new ArgumentException($"training.comparisons.prompts ({training.Comparisons.Prompts}) is more than the {prompts.Training.Count} training prompts " +
                $"the held-out text gives; use at most {prompts.Training.Count} (each iteration ranks completions of different prompts)");
    }

    public TrainingSummary Run(RunContext ctx)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(ctx.OutputDirectory);
        var stages = new StageClock();
        var rule = PreferenceRules.Named(training.Labels.Rule);
        int completionLength = training.Prompts.CompletionLength;

        // Pretraining steps count as rounds of the run, so its progress runs from the first pretraining step to the last PPO update.
        long pretrainRounds = training.From.Length == 0 ? training.Pretrain.Steps : 0;
        long totalRounds = pretrainRounds + (long)training.Iterations * (training.RewardModel.Steps + training.Ppo.Updates), round = pretrainRounds;
        var pretrainContext = ctx with { Progress = ctx.Progress is null ? null : new RelayProgress(p => ctx.Progress.Report(p with { TotalSteps = totalRounds })) };
        using var start = stages.Time("pretrain", () => PolicyStart.Load(model, training, tokens, pretrainContext, workers));
        using var reference = Copy(start, ctx.Seed);
        using var policy = Seeding.Build(ctx.Seed, () => new PolicyWithValue(Copy(start, ctx.Seed)));
        policy.to(ctx.Device);
        var ppo = new LanguagePpoUpdate(policy, training.Ppo, ctx.Seed);
        using var metrics = new MetricsLog(ctx);
        using var rewardLog = new MetricsLog(ctx, "reward_model.csv");
        using var evaluationLog = new MetricsLog(ctx, "evaluation.csv");
        var startResult = stages.Time("evaluation", () => Evaluate(policy, reference, null, prompts, rule, ctx.Seed));
        var comparisons = new ComparisonData(training.Prompts.Length + completionLength);
        var promptStream = new SplitMix64(Seeding.Derive(ctx.Seed, "ppo-prompts"));
        var comparisonOrder = Enumerable.Range(0, prompts.Training.Count).ToArray();
        new SplitMix64(Seeding.Derive(ctx.Seed, "comparison-prompts")).Shuffle(comparisonOrder);
        HeldOutResult last = startResult;
        RewardModel? rewardModel = null;
        var iterationFigures = new Dictionary<string, double>();
        double generatedTokens = 0, generationSeconds = 0;
        try
        {
            for (int iteration = 1; iteration <= training.Iterations; iteration++)
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                // 1. Sample K completions of this iteration's prompts and have them ranked.
                var requestPrompts = Enumerable.Range(0, training.Comparisons.Prompts)
                    .Select(i => prompts.Training[comparisonOrder[((iteration - 1) * training.Comparisons.Prompts + i) % comparisonOrder.Length]]).ToList();
                var requests = stages.Time("sampling", () => SampleRequests(policy.Lm, requestPrompts, iteration, ctx.Seed));
                var labeling = stages.Time("labeling", () => Label(requests, rule, iteration, ctx));
                iterationFigures["labeler_agreement"] = labeling.Agreement;
                var heldOut = AddComparisons(comparisons, requests, requestPrompts, labeling.Answers, rule, iteration, ctx.Seed);

                // 2. The reward model: the policy's trunk, a fresh head, every comparison so far.
                rewardModel?.Dispose();
                rewardModel = RewardModelTraining.Create(policy.Lm, training.Prompts.Length, training.RewardModel.Dropout, Seeding.Derive(ctx.Seed, $"reward-model:{iteration}"));
                var trained = rewardModel;
                stages.Time("reward_model", () =>
                {
                    RewardModelTraining.Train(trained, comparisons, training.RewardModel, Seeding.Derive(ctx.Seed, $"reward-batches:{iteration}"), (step, loss, accuracy) =>
                    {
                        round++;
                        rewardLog.Log((iteration - 1L) * training.RewardModel.Steps + step, new Dictionary<string, double>
                        {
                            ["iteration"] = iteration, ["loss"] = loss, ["accuracy"] = accuracy,
                        });
                        if (step % Math.Max(1, training.RewardModel.Steps / 20) == 0)
                            ctx.Progress?.Report(new TrainingProgress(round, totalRounds, new Dictionary<string, double> { ["rm_loss"] = loss, ["rm_accuracy"] = accuracy }));
                    });
                    return 0;
                });
                var (rmLoss, labelAccuracy, ruleAccuracy, rulePairs) = RewardModelTraining.Evaluate(rewardModel, heldOut);
                iterationFigures["rm_heldout_loss"] = rmLoss;
                iterationFigures["rm_heldout_accuracy_labels"] = labelAccuracy;
                iterationFigures["rm_heldout_accuracy_rule"] = ruleAccuracy;
                iterationFigures["rm_heldout_rule_pairs"] = rulePairs;
                iterationFigures["comparisons"] = comparisons.PairCount;

                // 3. PPO against the reward model, on a leash to the starting policy.
                var leash = new AdaptiveKlController(training.Ppo.KlCoefficient, training.Ppo.TargetKl, training.Ppo.KlHorizon);
                for (int update = 1; update <= training.Ppo.Updates; update++)
                {
                    ctx.Cancellation.ThrowIfCancellationRequested();
                    var batchPrompts = Enumerable.Range(0, training.Ppo.Prompts).Select(_ => prompts.Training[promptStream.NextInt(prompts.Training.Count)]).ToList();
                    var sampleClock = Stopwatch.StartNew();
                    var rollout = stages.Time("ppo_sampling", () => Rollout(policy, reference, rewardModel, batchPrompts, ppo.Version, ctx.Seed));
                    generationSeconds += sampleClock.Elapsed.TotalSeconds;
                    generatedTokens += (double)rollout.Count * completionLength;
                    var ruleScore = Enumerable.Range(0, rollout.Count).Average(b => rule.Score(tokens.Decode(rollout.Completion(b).ToArray())));
                    var result = stages.Time("ppo_update", () => ppo.Update(rollout, leash.Value));
                    leash.Update(result.Kl, rollout.Count);
                    round++;
                    var row = new Dictionary<string, double>
                    {
                        ["iteration"] = iteration,
                        ["rm_score"] = result.Score,
                        ["rule_score"] = ruleScore,
                        ["kl"] = result.Kl,
                        ["beta"] = result.Beta,
                        ["entropy"] = result.Entropy,
                        ["policy_loss"] = result.PolicyLoss,
                        ["value_loss"] = result.ValueLoss,
                        ["approx_kl"] = result.ApproxKl,
                        ["clip_fraction"] = result.ClipFraction,
                        ["generated_tokens_per_s"] = generatedTokens / generationSeconds,
                    };
                    metrics.Log((iteration - 1L) * training.Ppo.Updates + update, row);
                    if (update % Math.Max(1, training.Ppo.Updates / 20) == 0 || update == training.Ppo.Updates)
                        ctx.Progress?.Report(new TrainingProgress(round, totalRounds, row));
                }

                // 4. Where the policy stands on the held-out prompts.
                last = stages.Time("evaluation", () => Evaluate(policy, reference, rewardModel, prompts, rule, ctx.Seed));
                var evaluation = EvaluationRow(last, startResult, iterationFigures);
                evaluationLog.Log(iteration, evaluation);
                ctx.Progress?.Report(new TrainingProgress(round, totalRounds, evaluation));
            }
            return Finish(ctx, clock, policy, rewardModel, prompts, startResult, last, iterationFigures, metrics, stages, generatedTokens / generationSeconds);
        }
        finally
        {
            rewardModel?.Dispose();
            ppo.Optimizer.Dispose();
        }
    }

    private HeldOutResult Evaluate(PolicyWithValue policy, CharTransformer reference, RewardModel? rewardModel, PromptSet prompts, IPreferenceRule rule, long seed) =>
        HeldOutEvaluation.Evaluate(policy, reference, rewardModel, tokens, prompts.Evaluation, rule, training.Prompts.CompletionLength, seed,
            ValidationBatches, ValidationBatchSize);

    private static Dictionary<string, double> EvaluationRow(HeldOutResult result, HeldOutResult start, IReadOnlyDictionary<string, double> iteration) =>
        new(iteration)
        {
            ["win_rate_vs_start"] = WinRate.Of(result.RuleScores, start.RuleScores),
            ["rule_score"] = result.MeanRuleScore,
            ["rm_score"] = result.MeanRewardScore,
            ["kl_nats_per_completion"] = result.KlPerCompletion,
            ["entropy_per_token"] = result.EntropyPerToken,
            ["val_loss"] = result.ValidationLoss,
            ["distinct_2"] = result.Distinct2,
        };

    private List<LabelRequest> SampleRequests(CharTransformer lm, IReadOnlyList<RlhfPrompt> requestPrompts, int iteration, long seed)
    {
        int k = training.Comparisons.PerPrompt;
        var draws = requestPrompts.SelectMany(p => Enumerable.Range(0, k).Select(j => new CompletionSampler.Draw(p, RequestId(iteration, p), j))).ToArray();
        var completions = CompletionSampler.Sample(lm, tokens, draws, training.Prompts.CompletionLength, training.Comparisons.Temperature, seed, "comparisons");
        return requestPrompts.Select((p, i) => new LabelRequest(RequestId(iteration, p), p.Context, p.Opening,
            Enumerable.Range(0, k).Select(j => tokens.Decode(completions[i * k + j])).ToArray())).ToList();
    }

    private static string RequestId(int iteration, RlhfPrompt prompt) => string.Create(CultureInfo.InvariantCulture, $"{iteration}-{prompt.Index:D5}");

    /// <summary>Writes the iteration's requests, has the synthetic labeler answer them, and measures a second labeler's agreement with it.</summary>
    private (LabelAnswers Answers, double Agreement) Label(IReadOnlyList<LabelRequest> requests, IPreferenceRule rule, int iteration, RunContext ctx)
    {
        var folder = ctx.PathOf(Path.Combine("labels", $"iteration-{iteration}"));
        Directory.CreateDirectory(folder);
        LabelRequestFile.Write(Path.Combine(folder, "requests.jsonl"), requests);
        var labeler = new SyntheticLabeler(rule, training.Labels.Tau, Seeding.Derive(ctx.Seed, $"labeler:{iteration}"));
        var second = new SyntheticLabeler(rule, training.Labels.Tau, Seeding.Derive(ctx.Seed, $"second-labeler:{iteration}"));
        var answers = new LabelAnswers(requests);
        var answersPath = Path.Combine(folder, "answers.jsonl");
        File.Delete(answersPath);
        using (var log = new LabelAnswerLog(answersPath))
            foreach (var request in requests)
            {
                var answer = labeler.Answer(request);
                log.Append(answer);
                answers.Apply(answer);
            }
        double agreement = LabelerAgreement.Between(requests, r => answers.AnswerTo(r.Id)?.Ranking, r => second.Rank(r.Id, r.Completions));
        return (answers, agreement);
    }

    /// <summary>Adds the iteration's ranked requests to the training comparisons, except a seeded held-out share; returns the held-out ones.</summary>
    private ComparisonData AddComparisons(ComparisonData all, IReadOnlyList<LabelRequest> requests, IReadOnlyList<RlhfPrompt> requestPrompts,
        LabelAnswers answers, IPreferenceRule rule, int iteration, long seed)
    {
        var heldOut = new ComparisonData(all.SequenceLength);
        var order = Enumerable.Range(0, requests.Count).ToArray();
        new SplitMix64(Seeding.Derive(seed, $"held-out-requests:{iteration}")).Shuffle(order);
        var heldOutRequests = order.Take((int)Math.Round(requests.Count * training.Labels.HeldOutFraction)).ToHashSet();
        for (int i = 0; i < requests.Count; i++)
        {
            if (answers.AnswerTo(requests[i].Id)?.Ranking is not { } ranking) continue;
            var prompt = tokens.Encode(requestPrompts[i].Text);
            var sequences = requests[i].Completions.Select(c => prompt.Concat(tokens.Encode(c)).ToArray()).ToArray();
            var scores = requests[i].Completions.Select(rule.Score).ToArray();
            (heldOutRequests.Contains(i) ? heldOut : all).Add(sequences, scores, PreferencePair.FromRanking(requests[i].Id, ranking));
        }
        return heldOut;
    }

    private TextRollout Rollout(PolicyWithValue policy, CharTransformer reference, RewardModel rewardModel, IReadOnlyList<RlhfPrompt> batchPrompts, long version, long seed)
    {
        var draws = batchPrompts.Select((p, i) => new CompletionSampler.Draw(p, $"{version}:{i}", 0)).ToArray();
        var completions = CompletionSampler.Sample(policy.Lm, tokens, draws, training.Prompts.CompletionLength, 1.0, seed, "ppo");
        var sequences = CompletionSampler.Sequences(tokens, batchPrompts, completions);
        return RolloutScoring.Score(sequences, batchPrompts.Select(p => p.Index).ToArray(), training.Prompts.Length, training.Prompts.CompletionLength,
            policy, reference, rewardModel, version);
    }

    private TrainingSummary Finish(RunContext ctx, Stopwatch clock, PolicyWithValue policy, RewardModel? rewardModel, PromptSet prompts,
        HeldOutResult start, HeldOutResult final, IReadOnlyDictionary<string, double> lastIteration, MetricsLog metrics, StageClock stages, double tokensPerSecond)
    {
        WriteSamples(ctx, prompts.Evaluation, start, final);
        ctx.WriteArtifact("reward_kl.png", path => LossPlot.Save(path, "RLHF PPO: reward-model score, hidden-rule score and KL to the start per update",
            metrics.Steps, new[] { "rm_score", "rule_score", "kl" }.Select(c => (c, metrics.Series(c))), yLabel: "score / nats", xLabel: "PPO update"));
        var figures = new Dictionary<string, double>(EvaluationRow(final, start, lastIteration))
        {
            ["start_rule_score"] = start.MeanRuleScore,
            ["start_val_loss"] = start.ValidationLoss,
            ["start_distinct_2"] = start.Distinct2,
            ["start_entropy_per_token"] = start.EntropyPerToken,
            ["generated_tokens_per_s"] = tokensPerSecond,
            ["ppo_updates"] = (double)training.Iterations * training.Ppo.Updates,
        };
        foreach (var (stage, seconds) in stages.Seconds) figures[$"seconds_{stage}"] = seconds;
        var modules = new Dictionary<string, nn.Module> { ["policy"] = policy! };
        if (rewardModel is not null) modules["reward_model"] = rewardModel;
        Checkpoint.Save(ctx, modules, new Dictionary<string, AdamOptimizer>(), new Dictionary<string, ulong> { [LearnerCheckpoint.RoundCounter] = (ulong)training.Iterations });
        var summary = new TrainingSummary
        {
            Workload = Workload,
            Steps = (long)training.Iterations * training.Ppo.Updates,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Figures = figures,
            Definitions = new Dictionary<string, string>
            {
                ["win_rate_vs_start"] = "held-out prompts where the final policy's completion scores higher under the noise-free hidden rule than the starting policy's (ties count half); one completion each at temperature 1 from the same random stream",
                ["kl_nats_per_completion"] = "mean over held-out completions of the exact KL(pi || pi_start) of the next-character distributions, summed over the completion's positions",
                ["rm_heldout_accuracy_rule"] = "held-out pairs of the last iteration that the hidden rule does not tie, ordered by the reward model as by the rule",
                ["labeler_agreement"] = "pairs two independent synthetic labelings of the last iteration's requests order the same way",
                ["distinct_2"] = "distinct space-separated word bigrams over all bigrams of the held-out completions",
                ["generated_tokens_per_s"] = "completion tokens per second of the PPO rollouts: sampling with the key-value cache, then scoring by the policy, the reference and the reward model",
            },
        };
        ctx.WriteArtifact("summary.json", summary.Write);
        return summary;
    }

    private void WriteSamples(RunContext ctx, IReadOnlyList<RlhfPrompt> evaluation, HeldOutResult start, HeldOutResult final) =>
        ctx.WriteArtifact("samples.jsonl", path =>
        {
            using var writer = new StreamWriter(path);
            for (int i = 0; i < evaluation.Count; i++)
                foreach (var (name, result) in new[] { ("start", start), ("final", final) })
                    writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                    {
                        ["prompt"] = evaluation[i].Opening,
                        ["context"] = evaluation[i].Context,
                        ["policy"] = name,
                        ["completion"] = result.Completions[i],
                        ["rule_score"] = result.RuleScores[i],
                        ["rm_score"] = result.RewardScores?[i],
                    }));
        });

    private static CharTransformer Copy(CharTransformer lm, long seed)
    {
        var copy = Seeding.Build(seed, () => new CharTransformer(lm.Options));
        copy.to(lm.Device);
        ParameterVector.Assign(copy.parameters(), ParameterVector.Flatten(lm.parameters()));
        return copy;
    }
}
