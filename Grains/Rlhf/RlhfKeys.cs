using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;

namespace DistGen.Grains.Rlhf;

/// <summary>
/// Data-plane keys of an RLHF job. The three networks are parameters (pulled once per silo and version), told apart by
/// sender: the policy by its PPO version, the frozen reference at version 0, the reward model by the round of its last
/// step. The iteration's comparison sequences, the actors' completions and rollouts are their own kinds.
/// </summary>
public static class RlhfKeys
{
    public const string Policy = "policy", Reference = "reference", RewardModel = "reward-model";
    public const string ComparisonsKind = "comparisons", CompletionsKind = "completions", RolloutsKind = "text-rollouts";

    public static TensorKey PolicyOf(string job, long version) => new(job, TensorKey.Parameters, version, Policy);

    public static TensorKey ReferenceOf(string job) => new(job, TensorKey.Parameters, 0, Reference);

    public static TensorKey RewardModelOf(string job, long version) => new(job, TensorKey.Parameters, version, RewardModel);

    /// <summary>Every comparison sequence to train on in <paramref name="iteration"/>, [N, P + L] token ids.</summary>
    public static TensorKey ComparisonsOf(string job, int iteration) => new(job, ComparisonsKind, iteration, "");

    public static TensorKey CompletionsOf(string job, int iteration, int actor, long ticket) => new(job, CompletionsKind, iteration, $"{JobIds.Member(job, actor)}#{ticket}");

    public static TensorKey RolloutOf(string job, long policyVersion, int actor, long ticket) => new(job, RolloutsKind, policyVersion, $"{JobIds.Member(job, actor)}#{ticket}");
}
