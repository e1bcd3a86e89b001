using System.ComponentModel.DataAnnotations;
using DistGen.Training.Language;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The "training" section of an RLHF job: where the policy starts, then <see cref="Iterations"/> times sample
/// completions to compare, label them, train the reward model and fine-tune the policy with PPO.
/// </summary>
public sealed record RlhfTrainingOptions : IValidatableObject
{
    /// <summary>Rounds of sample, label, reward model and PPO, each starting from the newest policy.</summary>
    [Range(1, 100)]
    public int Iterations { get; init; } = 1;

    /// <summary>Where the policy starts: a char-LM checkpoint (a checkpoint.bin or the run folder holding one); empty = pretrain one first (see pretrain).</summary>
    public string From { get; init; } = "";

    /// <summary>How the policy is pretrained on the KJV training text when <see cref="From"/> is empty (the char-LM's training settings).</summary>
    public CharLmTrainingOptions Pretrain { get; init; } = new() { SampleCount = 0, SampleLength = 80 };

    public RlhfPromptOptions Prompts { get; init; } = new();

    public RlhfComparisonOptions Comparisons { get; init; } = new();

    public RlhfLabelOptions Labels { get; init; } = new();

    public RlhfRewardModelOptions RewardModel { get; init; } = new();

    public RlhfPpoOptions Ppo { get; init; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Every completion of an update is in exactly one minibatch per epoch. A size out of its range is reported by its
        // own attribute; it must not end this rule in a division by zero.
        if (Ppo.MinibatchSize > 0 && Ppo.Prompts % Ppo.MinibatchSize != 0)
            yield return new ValidationResult($"ppo.prompts ({Ppo.Prompts}) is not a multiple of ppo.minibatchSize ({Ppo.MinibatchSize}); every completion of an update goes into one minibatch per epoch",
                [nameof(Ppo)]);
    }
}

/// <summary>Prompts: held-out KJV verse openings, each after the text that precedes it, all of one length.</summary>
public sealed record RlhfPromptOptions
{
    /// <summary>Words of a verse's opening the completions continue.</summary>
    [Range(1, 20)]
    public int Words { get; init; } = 3;

    /// <summary>Characters of every prompt: the verse opening, preceded by as much of the text before it as fills the length.</summary>
    [Range(4, 1024)]
    public int Length { get; init; } = 24;

    /// <summary>Characters of every completion (sampling, PPO and evaluation); prompt plus completion must fit the model's context.</summary>
    [Range(4, 1024)]
    public int CompletionLength { get; init; } = 40;

    /// <summary>Prompts kept aside for evaluation (win rate, KL, samples.jsonl); never sampled for labels or PPO.</summary>
    [Range(8, 100_000)]
    public int HeldOut { get; init; } = 128;
}

/// <summary>The sampling stage: K completions of each of some prompts, for ranking.</summary>
public sealed record RlhfComparisonOptions
{
    /// <summary>Prompts sampled per iteration (each becomes one ranking request).</summary>
    [Range(2, 1_000_000)]
    public int Prompts { get; init; } = 256;

    /// <summary>K: completions per prompt to rank (K(K-1)/2 comparisons each).</summary>
    [Range(2, LabelRequest.MaxCompletions)]
    public int PerPrompt { get; init; } = 4;

    /// <summary>Softmax temperature of the completions to rank.</summary>
    [Range(0.05, 5.0)]
    public double Temperature { get; init; } = 1.0;
}

/// <summary>Who ranks the completions.</summary>
public sealed record RlhfLabelOptions
{
    /// <summary>"auto": a synthetic labeler ranks by a hidden rule with Bradley-Terry noise; "person": the job waits for `distgen label JOB-ID`.</summary>
    [AllowedValues("auto", "person")]
    public string Labeler { get; init; } = "auto";

    /// <summary>The synthetic labeler's hidden rule (the noise-free judge of accuracy and win rate in either case).</summary>
    [AllowedValues(SentimentLexiconRule.RuleName)]
    public string Rule { get; init; } = SentimentLexiconRule.RuleName;

    /// <summary>tau of the synthetic labeler's noise, P(a over b) = sigmoid((s_a - s_b) / tau); 0 = noise-free.</summary>
    [Range(0.0, 100.0)]
    public double Tau { get; init; } = 0.25;

    /// <summary>Fraction of each iteration's requests held out of reward-model training, to measure its accuracy.</summary>
    [Range(0.0, 0.9)]
    public double HeldOutFraction { get; init; } = 0.1;
}

/// <summary>The reward model: the policy's trunk with a scalar head, trained on every comparison so far with the Bradley-Terry loss.</summary>
public sealed record RlhfRewardModelOptions
{
    /// <summary>Optimizer steps per iteration.</summary>
    [Range(1, 10_000_000)]
    public int Steps { get; init; } = 400;

    /// <summary>Comparisons per step.</summary>
    [Range(1, 65_536)]
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak AdamW learning rate (linear warm-up over a tenth of the steps, then cosine decay to a tenth).</summary>
    [Range(1e-7, 1.0)]
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>AdamW decoupled weight decay (matrices and embeddings only).</summary>
    [Range(0.0, 1.0)]
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Dropout in the reward model's trunk while it trains (the policy's own setting does not change).</summary>
    [Range(0.0, 0.9)]
    public double Dropout { get; init; }
}

/// <summary>PPO on the language model with a KL leash to the starting policy.</summary>
public sealed record RlhfPpoOptions
{
    /// <summary>Policy updates per iteration.</summary>
    [Range(1, 10_000_000)]
    public int Updates { get; init; } = 60;

    /// <summary>Completions per update (one per prompt, prompts drawn from the training prompts).</summary>
    [Range(1, 65_536)]
    public int Prompts { get; init; } = 64;

    /// <summary>Epochs over each update's completions.</summary>
    [Range(1, 100)]
    public int Epochs { get; init; } = 4;

    /// <summary>Completions per minibatch step.</summary>
    [Range(1, 65_536)]
    public int MinibatchSize { get; init; } = 16;

    /// <summary>Adam learning rate.</summary>
    [Range(1e-8, 1.0)]
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>eps of the ratio band [1 - eps, 1 + eps].</summary>
    [Range(0.01, 1.0)]
    public double Clip { get; init; } = 0.2;

    /// <summary>Clip the value to V_old +- this and take the larger error; 0 turns it off.</summary>
    [Range(0.0, 100.0)]
    public double ValueClip { get; init; } = 0.2;

    /// <summary>c_v: weight of the value loss.</summary>
    [Range(0.0, 100.0)]
    public double ValueCoefficient { get; init; } = 0.1;

    /// <summary>c_e: weight of the entropy bonus.</summary>
    [Range(0.0, 1.0)]
    public double EntropyCoefficient { get; init; }

    /// <summary>
    /// The PPO-ptx coefficient (InstructGPT's pretraining-loss weight, not the discount gamma): each minibatch step also
    /// minimises this times the policy's cross-entropy (nats per character) on windows of the KJV training text, against
    /// the regression of validation loss; 0: plain PPO.
    /// </summary>
    [Range(0.0, 100.0)]
    public double PretrainCoefficient { get; init; }

    /// <summary>Windows of the KJV training text per minibatch step when pretrainCoefficient is above 0.</summary>
    [Range(1, 1024)]
    public int PretrainBatchSize { get; init; } = 16;

    /// <summary>gamma over the tokens of a completion.</summary>
    [Range(0.0, 1.0)]
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE lambda.</summary>
    [Range(0.0, 1.0)]
    public double Lambda { get; init; } = 0.95;

    /// <summary>beta of the KL leash at the start of each iteration.</summary>
    [Range(0.0, 100.0)]
    public double KlCoefficient { get; init; } = 0.1;

    /// <summary>Target KL in nats per completion for the adaptive leash (Ziegler et al.); 0 keeps beta fixed.</summary>
    [Range(0.0, 1000.0)]
    public double TargetKl { get; init; } = 4.0;

    /// <summary>Horizon of the adaptive leash, in completions.</summary>
    [Range(1.0, 1e9)]
    public double KlHorizon { get; init; } = 10_000;

    /// <summary>Clip the global gradient L2 norm to this value; 0 disables clipping.</summary>
    [Range(0.0, 1e6)]
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// On the cluster: "sync" (every actor's rollout of policy version v before update v+1: exact PPO, equal to the
    /// reference trainer) or "async" (actors keep sampling while the learner updates; see maxPolicyLag). The reference
    /// trainer always runs sync.
    /// </summary>
    [AllowedValues(Rl.PpoTrainingOptions.SyncMode, Rl.PpoTrainingOptions.AsyncMode)]
    public string Mode { get; init; } = Rl.PpoTrainingOptions.SyncMode;

    /// <summary>Async mode: rollouts sampled by a policy more than this many versions older than the learner's are dropped (and counted).</summary>
    [Range(0, 1000)]
    public int MaxPolicyLag { get; init; } = 1;

    /// <summary>True in async mode.</summary>
    public bool IsAsync => Mode == Rl.PpoTrainingOptions.AsyncMode;

    /// <summary>Versions a rollout may lag behind the learner and still be trained on: 0 in sync mode.</summary>
    public int AcceptedLag => IsAsync ? MaxPolicyLag : 0;
}
