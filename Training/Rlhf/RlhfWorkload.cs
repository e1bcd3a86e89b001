using System.Globalization;
using DistGen.Training.Core;
using DistGen.Training.Language;

namespace DistGen.Training.Rlhf;

/// <summary>
/// An RLHF job as numbered rounds, what the reference trainer and the cluster's coordinator and text rollout actors all
/// build from: the settings, the prompts, the shapes of the three networks (policy with its value head, frozen
/// reference, reward model), which prompts each stage samples and with which random streams, and how rounds map to
/// stages (<see cref="RlhfRound"/>: per iteration, the reward-model steps, then the PPO updates). Checks everything a
/// run can be refused for before any work starts (<see cref="ArgumentException"/> naming the setting).
/// </summary>
public sealed class RlhfWorkload : IRoundWorkload
{
    public const string WorkloadName = "rlhf";
    private readonly int[] _comparisonOrder;

    public RlhfWorkload(CharLmModelOptions model, RlhfTrainingOptions training, ITokenStream tokens, string heldOutText, long seed, int actors = 1,
        int pretrainCheckpointEvery = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(actors, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(pretrainCheckpointEvery);
        (Model, Training, Tokens, Seed, Workers, PretrainCheckpointEvery) = (model, training, tokens, seed, actors, pretrainCheckpointEvery);
        PolicyShape = PolicyStart.ShapeOf(model, training).WithVocabularyOf(tokens);
        if (training.Prompts.Length + training.Prompts.CompletionLength > PolicyShape.ContextLength)
            throw new ArgumentException($"training.prompts.length + completionLength = {training.Prompts.Length + training.Prompts.CompletionLength} characters do not fit the policy's context of {PolicyShape.ContextLength}");
        Prompts = new PromptSet(heldOutText, training.Prompts, seed);
        if (training.Comparisons.Prompts > Prompts.Training.Count)
            throw new ArgumentException($"training.comparisons.prompts ({training.Comparisons.Prompts}) is more than the {Prompts.Training.Count} training prompts " +
                $"the held-out text gives; use at most {Prompts.Training.Count} (each iteration ranks completions of different prompts)");
        if (training.RewardModel.BatchSize < actors)
            throw new ArgumentException($"training.rewardModel.batchSize ({training.RewardModel.BatchSize}) is less than cluster.workers ({actors}); every actor computes a slice of each batch");
        if (training.Ppo.Prompts < actors)
            throw new ArgumentException($"training.ppo.prompts ({training.Ppo.Prompts}) is less than cluster.workers ({actors}); every rollout actor samples at least one completion per update");
        _comparisonOrder = Enumerable.Range(0, Prompts.Training.Count).ToArray();
        new SplitMix64(Seeding.Derive(seed, "comparison-prompts")).Shuffle(_comparisonOrder);
    }

    public string Name => WorkloadName;

    /// <summary>The model section of the spec (the starting checkpoint's spec.json overrides its shape: <see cref="PolicyShape"/>).</summary>
    public CharLmModelOptions Model { get; }

    public RlhfTrainingOptions Training { get; }

    public ITokenStream Tokens { get; }

    public PromptSet Prompts { get; }

    public long Seed { get; }

    /// <summary>A: text rollout actors, which also compute the reward model's gradients.</summary>
    public int Workers { get; }

    /// <summary>The policy's language-model shape, vocabulary included.</summary>
    public CharLmModelOptions PolicyShape { get; }

    /// <summary>Reward-model steps and PPO updates of every iteration.</summary>
    public int Rounds => Training.Iterations * (Training.RewardModel.Steps + Training.Ppo.Updates);

    /// <summary>Only the end of the run is checkpointed; a run taken over starts again from its first round (it is deterministic).</summary>
    public int CheckpointEvery => 0;

    /// <summary>
    /// Steps between checkpoints of the pretraining stage (cluster.checkpointEvery; 0: at its end only), from which a
    /// coordinator taking the job over continues it; the RLHF rounds themselves start over.
    /// </summary>
    public int PretrainCheckpointEvery { get; }

    /// <summary>P + L: tokens of a prompt and its completion.</summary>
    public int SequenceLength => Training.Prompts.Length + Training.Prompts.CompletionLength;

    public RlhfRound RoundOf(long round) => RlhfRound.Of(round, Training.RewardModel.Steps, Training.Ppo.Updates);

    /// <summary>The training prompts whose completions iteration <paramref name="iteration"/> has ranked: a seeded order, walked around.</summary>
    public IReadOnlyList<RlhfPrompt> ComparisonPrompts(int iteration)
    {
        int count = Training.Comparisons.Prompts;
        return Enumerable.Range(0, count).Select(i => Prompts.Training[_comparisonOrder[((iteration - 1) * count + i) % _comparisonOrder.Length]]).ToList();
    }

    /// <summary>Request id of a prompt's completions in iteration <paramref name="iteration"/>.</summary>
    public static string RequestId(int iteration, RlhfPrompt prompt) => string.Create(CultureInfo.InvariantCulture, $"{iteration}-{prompt.Index:D5}");

    /// <summary>The K completions of each of the iteration's prompts to sample, prompt by prompt.</summary>
    public IReadOnlyList<CompletionSampler.Draw> ComparisonDraws(int iteration) =>
        ComparisonPrompts(iteration).SelectMany(p => Enumerable.Range(0, Training.Comparisons.PerPrompt)
            .Select(j => new CompletionSampler.Draw(p, RequestId(iteration, p), j))).ToList();

    /// <summary>
    /// The completions of a PPO batch that policy version <paramref name="version"/> samples: training prompts
    /// <paramref name="promptIndices"/>, which are rows <paramref name="firstRow"/>.. of the update's batch (the row names the stream).
    /// </summary>
    public IReadOnlyList<CompletionSampler.Draw> PpoDraws(long version, IReadOnlyList<int> promptIndices, int firstRow) =>
        promptIndices.Select((p, i) => new CompletionSampler.Draw(Prompts.Training[p], string.Create(CultureInfo.InvariantCulture, $"{version}:{firstRow + i}"), 0)).ToList();

    /// <summary>The comparison completions of <paramref name="draws"/> (temperature from the spec): what a sampling actor does.</summary>
    public long[][] SampleComparisons(CharTransformer lm, IReadOnlyList<CompletionSampler.Draw> draws) =>
        CompletionSampler.Sample(lm, Tokens, draws, Training.Prompts.CompletionLength, Training.Comparisons.Temperature, Seed, "comparisons");

    /// <summary>A PPO rollout of <paramref name="draws"/> at temperature 1, scored for the learner: what a rollout actor does.</summary>
    public TextRollout Rollout(PolicyWithValue policy, CharTransformer reference, RewardModel rewardModel, IReadOnlyList<CompletionSampler.Draw> draws, long version)
    {
        var completions = CompletionSampler.Sample(policy.Lm, Tokens, draws, Training.Prompts.CompletionLength, 1.0, Seed, "ppo");
        var prompts = draws.Select(d => d.Prompt).ToList();
        var sequences = CompletionSampler.Sequences(Tokens, prompts, completions);
        return RolloutScoring.Score(sequences, prompts.Select(p => p.Index).ToArray(), Training.Prompts.Length, Training.Prompts.CompletionLength,
            policy, reference, rewardModel, version);
    }

    /// <summary>A language model of the policy's shape (parameters to be assigned), seeded: identical in every process.</summary>
    public CharTransformer CreateLanguageModel() => Seeding.Build(Seed, () => new CharTransformer(PolicyShape));

    /// <summary>The policy with its value head, of the policy's shape (parameters to be assigned).</summary>
    public PolicyWithValue CreatePolicy() => Seeding.Build(Seed, () => new PolicyWithValue(new CharTransformer(PolicyShape)));

    /// <summary>A reward model of the policy's shape (parameters to be assigned), with the training dropout of the spec.</summary>
    public RewardModel CreateRewardModel() =>
        Seeding.Build(Seed, () => new RewardModel(new CharTransformer(PolicyShape with { Dropout = Training.RewardModel.Dropout }), Training.Prompts.Length));

    /// <summary>The learner: the policy, its reference, the reward model, their optimizers and the run's records.</summary>
    public RlhfLearner CreateLearner(RunContext context) => new(this, context);
}
