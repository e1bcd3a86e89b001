using System.Text.Json;
using DistGen.Training.Core;
using DistGen.Training.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The learner of an RLHF run, the same for the reference trainer and the cluster's coordinator: it owns the policy
/// (with its value head), the frozen reference, the reward model and their optimizers, and everything between the
/// actors' work: labelling the sampled comparisons, the reward model's optimizer steps on gradients left in it, the PPO
/// updates on rollouts, the held-out evaluations and the run's records (labels/, metrics.csv per PPO update,
/// reward_model.csv, evaluation.csv, reward_kl.png, samples.jsonl, checkpoint.bin, summary.json).
/// Its caller drives the rounds (<see cref="RlhfWorkload.RoundOf"/>) and supplies the actors' work: completions,
/// reward-model gradients, scored rollouts.
/// </summary>
public sealed class RlhfLearner : IDisposable
{
    private const int ValidationBatches = 16, ValidationBatchSize = 32;
    private readonly RlhfWorkload _workload;
    private readonly RunContext _ctx;
    private readonly IPreferenceRule _rule;
    private readonly Dictionary<string, double> _iterationFigures = new();
    private readonly SplitMix64 _promptStream;
    private readonly long _pretrainRounds;
    private CharTransformer? _reference;
    private PolicyWithValue? _policy;
    private LanguagePpoUpdate? _ppo;
    private MetricsLog? _metrics, _rewardLog, _evaluationLog;
    private HeldOutResult? _start, _last;
    private readonly ComparisonData _comparisons;
    private ComparisonData? _heldOut;
    private RewardModel? _rewardModel;
    private RewardModelTrainer? _rewardTrainer;
    private AdaptiveKlController? _leash;
    private double _generatedTokens, _generationSeconds;
    private readonly long[] _lagCounts;
    private long _dropped;

    public RlhfLearner(RlhfWorkload workload, RunContext ctx)
    {
        (_workload, _ctx) = (workload, ctx);
        _rule = PreferenceRules.Named(workload.Training.Labels.Rule);
        _comparisons = new ComparisonData(workload.SequenceLength);
        _promptStream = new SplitMix64(Seeding.Derive(ctx.Seed, "ppo-prompts"));
        _pretrainRounds = workload.Training.From.Length == 0 ? workload.Training.Pretrain.Steps : 0;
        _lagCounts = new long[workload.Training.Ppo.AcceptedLag + 1];
    }

    /// <summary>Wall seconds per stage (pretrain, sampling, labeling, reward_model, ppo_sampling, ppo_update, evaluation).</summary>
    public StageClock Stages { get; } = new();

    public PolicyWithValue Policy => _policy ?? throw new InvalidOperationException("the learner has not started");

    public CharTransformer Reference => _reference ?? throw new InvalidOperationException("the learner has not started");

    /// <summary>The reward model of the current iteration (made when its comparisons are in).</summary>
    public RewardModel RewardModel => _rewardModel ?? throw new InvalidOperationException("no comparisons have been labelled yet");

    /// <summary>Every comparison trained on so far (the held-out share of each iteration excluded).</summary>
    public ComparisonData Comparisons => _comparisons;

    /// <summary>PPO updates applied so far: the version of the policy.</summary>
    public long PolicyVersion => _ppo?.Version ?? 0;

    /// <summary>Pretraining steps (when the run pretrains its policy) and rounds, as the run's progress counts them.</summary>
    public long TotalSteps => _pretrainRounds + _workload.Rounds;

    /// <summary>
    /// Starts the policy (loads <c>from</c>, or pretrains with <paramref name="pretrainWorkers"/> data-parallel rows
    /// per step as the reference char-LM trainer does), copies the frozen reference, and evaluates the start.
    /// </summary>
    public void Start(int pretrainWorkers)
    {
        Directory.CreateDirectory(_ctx.OutputDirectory);
        var pretrainContext = _ctx with { Progress = _ctx.Progress is null ? null : new RelayProgress(p => _ctx.Progress.Report(p with { TotalSteps = TotalSteps })) };
        using var start = Stages.Time("pretrain", () => PolicyStart.Load(_workload.Model, _workload.Training, _workload.Tokens, pretrainContext, pretrainWorkers,
            _workload.PretrainCheckpointEvery));
        _reference = Copy(start);
        _policy = Seeding.Build(_ctx.Seed, () => new PolicyWithValue(Copy(start)));
        _policy.to(_ctx.Device);
        _ppo = new LanguagePpoUpdate(_policy, _workload.Training.Ppo, _ctx.Seed, _workload.Tokens);
        _metrics = new MetricsLog(_ctx);
        _rewardLog = new MetricsLog(_ctx, "reward_model.csv");
        _evaluationLog = new MetricsLog(_ctx, "evaluation.csv");
        _start = _last = Stages.Time("evaluation", () => Evaluate(null));
    }

    /// <summary>
    /// Takes the iteration's sampled completions (in <see cref="RlhfWorkload.ComparisonDraws"/> order) and has the
    /// synthetic labeler rank them: <see cref="WriteRequests"/>, <see cref="LabelAutomatically"/>, <see cref="AcceptLabels"/>.
    /// </summary>
    public void AcceptComparisons(int iteration, IReadOnlyList<long[]> completions)
    {
        var requests = WriteRequests(iteration, completions);
        AcceptLabels(iteration, requests, LabelAutomatically(iteration, requests));
    }

    /// <summary>The iteration's label requests, written to labels/iteration-N/requests.jsonl: one per prompt, its K completions as text.</summary>
    public IReadOnlyList<LabelRequest> WriteRequests(int iteration, IReadOnlyList<long[]> completions)
    {
        var prompts = _workload.ComparisonPrompts(iteration);
        int k = _workload.Training.Comparisons.PerPrompt;
        if (completions.Count != prompts.Count * k)
            throw new ArgumentException($"{completions.Count} completions for {prompts.Count} prompts x {k}");
        var requests = prompts.Select((p, i) => new LabelRequest(RlhfWorkload.RequestId(iteration, p), p.Context, p.Opening,
            Enumerable.Range(0, k).Select(j => _workload.Tokens.Decode(completions[i * k + j])).ToArray())).ToList();
        Directory.CreateDirectory(LabelFolder(iteration));
        LabelRequestFile.Write(RequestsPath(iteration), requests);
        return requests;
    }

    /// <summary>Where a person's (or the synthetic labeler's) answers to iteration <paramref name="iteration"/>'s requests are appended.</summary>
    public string AnswersPath(int iteration) => Path.Combine(LabelFolder(iteration), "answers.jsonl");

    /// <summary>The requests file of iteration <paramref name="iteration"/>.</summary>
    public string RequestsPath(int iteration) => Path.Combine(LabelFolder(iteration), "requests.jsonl");

    /// <summary>Has the synthetic labeler rank every request (answers.jsonl), and measures a second labeler's agreement with it.</summary>
    public LabelAnswers LabelAutomatically(int iteration, IReadOnlyList<LabelRequest> requests)
    {
        var (answers, agreement) = Stages.Time("labeling", () => Label(requests, iteration));
        _iterationFigures["labeler_agreement"] = agreement;
        return answers;
    }

    /// <summary>
    /// Adds the ranked requests' pairs to the comparisons (except a seeded held-out share; skipped requests give none), and
    /// makes the iteration's reward model from the policy with its trainer.
    /// </summary>
    public void AcceptLabels(int iteration, IReadOnlyList<LabelRequest> requests, LabelAnswers answers)
    {
        var training = _workload.Training;
        _heldOut = AddComparisons(requests, _workload.ComparisonPrompts(iteration), answers, iteration);

        // The reward model: the policy's trunk, a fresh head, every comparison so far.
        _rewardTrainer?.Dispose();
        _rewardModel?.Dispose();
        _rewardModel = RewardModelTraining.Create(Policy.Lm, training.Prompts.Length, training.RewardModel.Dropout, Seeding.Derive(_ctx.Seed, $"reward-model:{iteration}"));
        _rewardTrainer = new RewardModelTrainer(_rewardModel, _comparisons, training.RewardModel, _workload.Workers, Seeding.Derive(_ctx.Seed, $"reward-batches:{iteration}"));
    }

    /// <summary>The pairs of the next reward-model step.</summary>
    public (int Chosen, int Rejected)[] NextRewardPairs() => Trainer.NextPairs();

    /// <summary>Steps the reward model with the mean gradient already in it; logs the step's loss and accuracy (means over its pairs).</summary>
    public IReadOnlyDictionary<string, double> ApplyRewardStep(long round, RlhfRound at, double loss, double accuracy)
    {
        Stages.Time("reward_model", () => { Trainer.Apply(at.Step); return 0; });
        var row = new Dictionary<string, double> { ["iteration"] = at.Iteration, ["loss"] = loss, ["accuracy"] = accuracy };
        _rewardLog!.Log((at.Iteration - 1L) * _workload.Training.RewardModel.Steps + at.Step, row);
        var progress = new Dictionary<string, double> { ["rm_loss"] = loss, ["rm_accuracy"] = accuracy };
        if (at.Step % Math.Max(1, _workload.Training.RewardModel.Steps / 20) == 0) Report(round, progress);
        return progress;
    }

    /// <summary>Measures the iteration's reward model on its held-out comparisons.</summary>
    public IReadOnlyDictionary<string, double> EndRewardModel()
    {
        var (loss, labelAccuracy, ruleAccuracy, rulePairs) = Stages.Time("reward_model", () => RewardModelTraining.Evaluate(RewardModel, _heldOut!));
        _iterationFigures["rm_heldout_loss"] = loss;
        _iterationFigures["rm_heldout_accuracy_labels"] = labelAccuracy;
        _iterationFigures["rm_heldout_accuracy_rule"] = ruleAccuracy;
        _iterationFigures["rm_heldout_rule_pairs"] = rulePairs;
        _iterationFigures["comparisons"] = _comparisons.PairCount;
        _leash = new AdaptiveKlController(_workload.Training.Ppo.KlCoefficient, _workload.Training.Ppo.TargetKl, _workload.Training.Ppo.KlHorizon);
        return new Dictionary<string, double>(_iterationFigures);
    }

    /// <summary>The training prompts of the next PPO update, or of <paramref name="count"/> completions (indices into <see cref="PromptSet.Training"/>).</summary>
    public int[] NextPpoPrompts(int? count = null) =>
        Enumerable.Range(0, count ?? _workload.Training.Ppo.Prompts).Select(_ => _promptStream.NextInt(_workload.Prompts.Training.Count)).ToArray();

    /// <summary>
    /// Whether a rollout sampled by policy version <paramref name="version"/> may be trained on now: at most the accepted lag
    /// behind (0 in sync mode). A rollout too old is counted as dropped.
    /// </summary>
    public bool Accepts(long version)
    {
        if (version < 0 || version > PolicyVersion)
            throw new InvalidDataException($"a rollout of policy version {version}; the learner has published versions 0..{PolicyVersion}");
        if (PolicyVersion - version <= _workload.Training.Ppo.AcceptedLag) return true;
        _dropped++;
        return false;
    }

    /// <summary>Consumed rollouts by policy lag (learner version minus the sampling version), 0..accepted lag.</summary>
    public IReadOnlyList<long> LagHistogram => _lagCounts;

    /// <summary>
    /// One PPO update on the actors' rollouts side by side (in the given order), under the iteration's KL leash; logs a
    /// metrics.csv row. <paramref name="samplingSeconds"/> is how long the rollouts took, for the throughput figure.
    /// </summary>
    public IReadOnlyDictionary<string, double> Update(long round, RlhfRound at, IReadOnlyList<TextRollout> parts, double samplingSeconds)
    {
        var leash = _leash ?? throw new InvalidOperationException("PPO updates come after the iteration's reward model");
        double lagSum = 0;
        foreach (var part in parts)
        {
            long lag = PolicyVersion - part.PolicyVersion;
            if (lag < 0 || lag > _workload.Training.Ppo.AcceptedLag)
                throw new ArgumentException($"a rollout of policy version {part.PolicyVersion} cannot train version {PolicyVersion}; ask Accepts first");
            _lagCounts[lag]++;
            lagSum += lag;
        }
        var rollout = TextRollout.Concatenate(parts);
        Stages.Add("ppo_sampling", samplingSeconds);
        _generationSeconds += samplingSeconds;
        _generatedTokens += (double)rollout.Count * rollout.CompletionLength;
        var ruleScore = Enumerable.Range(0, rollout.Count).Average(b => _rule.Score(_workload.Tokens.Decode(rollout.Completion(b).ToArray())));
        var result = Stages.Time("ppo_update", () => _ppo!.Update(rollout, leash.Value));
        leash.Update(result.Kl, rollout.Count);
        var row = new Dictionary<string, double>
        {
            ["iteration"] = at.Iteration,
            ["rm_score"] = result.Score,
            ["rule_score"] = ruleScore,
            ["kl"] = result.Kl,
            ["beta"] = result.Beta,
            ["entropy"] = result.Entropy,
            ["policy_loss"] = result.PolicyLoss,
            ["value_loss"] = result.ValueLoss,
            ["approx_kl"] = result.ApproxKl,
            ["clip_fraction"] = result.ClipFraction,
            ["generated_tokens_per_s"] = _generatedTokens / _generationSeconds,
            ["policy_lag_mean"] = lagSum / parts.Count,
            ["dropped_stale_rollouts"] = _dropped,
        };
        if (result.PretrainLoss is { } pretrainLoss) row["pretrain_loss"] = pretrainLoss;
        _metrics!.Log((at.Iteration - 1L) * _workload.Training.Ppo.Updates + at.Step, row);
        if (at.Step % Math.Max(1, _workload.Training.Ppo.Updates / 20) == 0 || at.EndsIteration) Report(round, row);
        return row;
    }

    /// <summary>Where the policy stands on the held-out prompts after iteration <paramref name="iteration"/>; logs evaluation.csv.</summary>
    public IReadOnlyDictionary<string, double> EndIteration(long round, int iteration)
    {
        _last = Stages.Time("evaluation", () => Evaluate(_rewardModel));
        var evaluation = EvaluationRow(_last, _start!, _iterationFigures);
        _evaluationLog!.Log(iteration, evaluation);
        Report(round, evaluation);
        return evaluation;
    }

    /// <summary>Writes samples.jsonl, reward_kl.png, checkpoint.bin (policy and reward model) and summary.json.</summary>
    public TrainingSummary Finish(double wallSeconds)
    {
        var (start, final, metrics) = (_start!, _last!, _metrics!);
        WriteSamples(start, final);
        _ctx.WriteArtifact("reward_kl.png", path => LossPlot.Save(path, "RLHF PPO: reward-model score, hidden-rule score and KL to the start per update",
            metrics.Steps, new[] { "rm_score", "rule_score", "kl" }.Select(c => (c, metrics.Series(c))), yLabel: "score / nats", xLabel: "PPO update"));
        var training = _workload.Training;
        var figures = new Dictionary<string, double>(EvaluationRow(final, start, _iterationFigures))
        {
            ["start_rule_score"] = start.MeanRuleScore,
            ["start_val_loss"] = start.ValidationLoss,
            ["start_distinct_2"] = start.Distinct2,
            ["start_entropy_per_token"] = start.EntropyPerToken,
            ["generated_tokens_per_s"] = _generatedTokens / _generationSeconds,
            ["ppo_updates"] = (double)training.Iterations * training.Ppo.Updates,
        };
        foreach (var (stage, seconds) in Stages.Seconds) figures[$"seconds_{stage}"] = seconds;
        for (int lag = 0; lag < _lagCounts.Length; lag++) figures[$"policy_lag_{lag}_rollouts"] = _lagCounts[lag];
        figures["dropped_stale_rollouts"] = _dropped;
        var modules = new Dictionary<string, nn.Module> { ["policy"] = Policy };
        if (_rewardModel is not null) modules["reward_model"] = _rewardModel;
        Checkpoint.Save(_ctx, modules, new Dictionary<string, AdamOptimizer>(), new Dictionary<string, ulong> { [LearnerCheckpoint.RoundCounter] = (ulong)_workload.Rounds });
        var summary = new TrainingSummary
        {
            Workload = _workload.Name,
            Steps = (long)training.Iterations * training.Ppo.Updates,
            WallSeconds = wallSeconds,
            Figures = figures,
            Definitions = new Dictionary<string, string>
            {
                ["win_rate_vs_start"] = "held-out prompts where the final policy's completion scores higher under the noise-free hidden rule than the starting policy's (ties count half); one completion each at temperature 1 from the same random stream",
                ["kl_nats_per_completion"] = "mean over held-out completions of the exact KL(pi || pi_start) of the next-character distributions, summed over the completion's positions",
                ["rm_heldout_accuracy_rule"] = "held-out pairs of the last iteration that the hidden rule does not tie, ordered by the reward model as by the rule",
                ["labeler_agreement"] = "pairs two independent synthetic labelings of the last iteration's requests order the same way",
                ["distinct_2"] = "distinct space-separated word bigrams over all bigrams of the held-out completions",
                ["generated_tokens_per_s"] = "completion tokens per second of the PPO rollouts: sampling with the key-value cache, then scoring by the policy, the reference and the reward model (on the cluster: the wall time of each update's rollout orders, actors side by side, data plane included)",
            },
        };
        _ctx.WriteArtifact("summary.json", summary.Write);
        return summary;
    }

    public void Dispose()
    {
        _metrics?.Dispose();
        _rewardLog?.Dispose();
        _evaluationLog?.Dispose();
        _rewardTrainer?.Dispose();
        _rewardModel?.Dispose();
        _ppo?.Optimizer.Dispose();
        _policy?.Dispose();
        _reference?.Dispose();
    }

    private RewardModelTrainer Trainer => _rewardTrainer ?? throw new InvalidOperationException("reward-model steps come after the iteration's comparisons");

    private void Report(long round, IReadOnlyDictionary<string, double> figures) =>
        _ctx.Progress?.Report(new TrainingProgress(_pretrainRounds + round, TotalSteps, figures));

    private HeldOutResult Evaluate(RewardModel? rewardModel) =>
        HeldOutEvaluation.Evaluate(Policy, Reference, rewardModel, _workload.Tokens, _workload.Prompts.Evaluation, _rule, _workload.Training.Prompts.CompletionLength,
            _ctx.Seed, ValidationBatches, ValidationBatchSize);

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

    /// <summary>Has the synthetic labeler answer the requests, and measures a second labeler's agreement with it.</summary>
    private (LabelAnswers Answers, double Agreement) Label(IReadOnlyList<LabelRequest> requests, int iteration)
    {
        var training = _workload.Training;
        var labeler = new SyntheticLabeler(_rule, training.Labels.Tau, Seeding.Derive(_ctx.Seed, $"labeler:{iteration}"));
        var second = new SyntheticLabeler(_rule, training.Labels.Tau, Seeding.Derive(_ctx.Seed, $"second-labeler:{iteration}"));
        var answers = new LabelAnswers(requests);
        var answersPath = AnswersPath(iteration);
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

    private string LabelFolder(int iteration) => _ctx.PathOf(Path.Combine("labels", $"iteration-{iteration}"));

    /// <summary>Adds the iteration's ranked requests to the training comparisons, except a seeded held-out share; returns the held-out ones.</summary>
    private ComparisonData AddComparisons(IReadOnlyList<LabelRequest> requests, IReadOnlyList<RlhfPrompt> prompts, LabelAnswers answers, int iteration)
    {
        var heldOut = new ComparisonData(_comparisons.SequenceLength);
        var order = Enumerable.Range(0, requests.Count).ToArray();
        new SplitMix64(Seeding.Derive(_ctx.Seed, $"held-out-requests:{iteration}")).Shuffle(order);
        var heldOutRequests = order.Take((int)Math.Round(requests.Count * _workload.Training.Labels.HeldOutFraction)).ToHashSet();
        for (int i = 0; i < requests.Count; i++)
        {
            if (answers.AnswerTo(requests[i].Id)?.Ranking is not { } ranking) continue;
            var prompt = _workload.Tokens.Encode(prompts[i].Text);
            var sequences = requests[i].Completions.Select(c => prompt.Concat(_workload.Tokens.Encode(c)).ToArray()).ToArray();
            var scores = requests[i].Completions.Select(_rule.Score).ToArray();
            (heldOutRequests.Contains(i) ? heldOut : _comparisons).Add(sequences, scores, PreferencePair.FromRanking(requests[i].Id, ranking));
        }
        return heldOut;
    }

    private void WriteSamples(HeldOutResult start, HeldOutResult final) =>
        _ctx.WriteArtifact("samples.jsonl", path =>
        {
            var evaluation = _workload.Prompts.Evaluation;
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

    private CharTransformer Copy(CharTransformer lm)
    {
        var copy = Seeding.Build(_ctx.Seed, () => new CharTransformer(lm.Options));
        copy.to(lm.Device);
        ParameterVector.Assign(copy.parameters(), ParameterVector.Flatten(lm.parameters()));
        return copy;
    }
}
