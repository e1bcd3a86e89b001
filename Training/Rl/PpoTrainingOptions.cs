using System.ComponentModel.DataAnnotations;

namespace DistGen.Training.Rl;

/// <summary>
/// How a PPO job trains on CartPole-v1 (the "training" section of its job spec). The defaults are Stable-Baselines3's
/// tuned CartPole-v1 hyperparameters (rl-baselines3-zoo): 8 envs x 32 steps, one minibatch of 256, 20 epochs,
/// gamma 0.98, lambda 0.8, learning rate 1e-3 and clip 0.2 both decayed linearly to 0, no entropy bonus.
/// </summary>
public sealed class PpoTrainingOptions
{
    /// <summary>Environment steps to train for (summed over all environments); rounded up to whole rollouts.</summary>
    [Range(1, long.MaxValue)]
    public long TotalEnvSteps { get; init; } = 100_000;

    /// <summary>Environments stepped in parallel (N).</summary>
    [Range(1, 4096)]
    public int Envs { get; init; } = 8;

    /// <summary>Steps each environment runs per rollout (T); a rollout holds N*T transitions.</summary>
    [Range(1, 100_000)]
    public int RolloutSteps { get; init; } = 32;

    /// <summary>Transitions per gradient step; must divide N*T.</summary>
    [Range(1, 1_000_000)]
    public int MinibatchSize { get; init; } = 256;

    /// <summary>Passes (K) over each rollout, each in a fresh random minibatch order.</summary>
    [Range(1, 1000)]
    public int Epochs { get; init; } = 20;

    /// <summary>Discount factor gamma.</summary>
    [Range(0.0, 1.0)]
    public double Gamma { get; init; } = 0.98;

    /// <summary>GAE's lambda: 0 gives one-step TD advantages, 1 Monte Carlo ones.</summary>
    [Range(0.0, 1.0)]
    public double GaeLambda { get; init; } = 0.8;

    /// <summary>Adam's learning rate (at the start, when annealed).</summary>
    [Range(0.0, 1.0)]
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decay the learning rate linearly to 0 over the run.</summary>
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Adam's epsilon (Stable-Baselines3 and CleanRL use 1e-5 for PPO).</summary>
    [Range(0.0, 1.0)]
    public double AdamEpsilon { get; init; } = 1e-5;

    /// <summary>PPO's clip range eps: the policy ratio is clipped to [1-eps, 1+eps] (at the start, when annealed).</summary>
    [Range(0.0, 10.0)]
    public double ClipCoefficient { get; init; } = 0.2;

    /// <summary>Decay the clip range linearly to 0 over the run.</summary>
    public bool AnnealClip { get; init; } = true;

    /// <summary>Clip the value prediction to within this distance of the acting critic's value; 0 = no value clipping.</summary>
    [Range(0.0, 1e6)]
    public double ValueClip { get; init; } = 0.0;

    /// <summary>Weight c_v of the value loss (mean squared error).</summary>
    [Range(0.0, 1e6)]
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Weight c_e of the entropy bonus.</summary>
    [Range(0.0, 1e6)]
    public double EntropyCoefficient { get; init; } = 0.0;

    /// <summary>Rescale the gradient of all parameters together to at most this L2 norm.</summary>
    [Range(0.0, 1e6)]
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Normalise advantages to zero mean and unit variance within each minibatch.</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>Mean return over the last 100 episodes that counts as solved (475 for CartPole-v1); recorded, not a stop rule.</summary>
    [Range(0.0, 1e9)]
    public double TargetReturn { get; init; } = 475;

    /// <summary>
    /// On the cluster: "sync" (every actor's batch of policy version v before update v+1: exact PPO, equal to the
    /// single-process trainer) or "async" (actors keep collecting while the learner updates; see maxPolicyLag).
    /// The single-process trainer always runs sync.
    /// </summary>
    [AllowedValues(SyncMode, AsyncMode)]
    public string Mode { get; init; } = SyncMode;

    /// <summary>Async mode: batches collected by a policy more than this many versions older than the learner's are dropped (and counted).</summary>
    [Range(0, 1000)]
    public int MaxPolicyLag { get; init; } = 2;

    public const string SyncMode = "sync";
    public const string AsyncMode = "async";

    /// <summary>True in async mode.</summary>
    public bool IsAsync => Mode == AsyncMode;

    /// <summary>Versions a batch may lag behind the learner and still be trained on: 0 in sync mode.</summary>
    public int AcceptedLag => IsAsync ? MaxPolicyLag : 0;

    /// <summary>N*T: transitions per rollout.</summary>
    public int RolloutSize => Envs * RolloutSteps;

    /// <summary>The most learner updates a run may have (<see cref="Validate"/> refuses more).</summary>
    public const long MaxUpdates = 10_000_000;

    /// <summary>Learner updates in the run: enough whole rollouts to reach <see cref="TotalEnvSteps"/> (no overflow up to long.MaxValue).</summary>
    public long UpdateCount => (TotalEnvSteps - 1) / RolloutSize + 1;

    /// <summary><see cref="UpdateCount"/> once validated (at most <see cref="MaxUpdates"/>).</summary>
    public int Updates => checked((int)UpdateCount);

    /// <summary>Throws with an actionable message when the options contradict each other; ParamName is the spec field at fault.</summary>
    public void Validate()
    {
        if (MinibatchSize > RolloutSize || RolloutSize % MinibatchSize != 0)
            throw new ArgumentException($"training.minibatchSize ({MinibatchSize}) must divide envs*rolloutSteps ({Envs}*{RolloutSteps} = {RolloutSize}); e.g. use {RolloutSize} for one minibatch per epoch", "minibatchSize");
        if (NormalizeAdvantages && MinibatchSize < 2)
            throw new ArgumentException("training.minibatchSize must be at least 2 when training.normalizeAdvantages is on (a single advantage has no spread)", "minibatchSize");
        if (UpdateCount > MaxUpdates)
            throw new ArgumentException($"training.totalEnvSteps ({TotalEnvSteps}) makes {UpdateCount} updates of {RolloutSize} transitions; at most {MaxUpdates}: lower totalEnvSteps or raise envs*rolloutSteps", "totalEnvSteps");
    }
}
