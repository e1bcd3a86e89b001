using DistGen.Contracts.Jobs;

namespace DistGen.Contracts.Rlhf;

/// <summary>
/// One text rollout actor of an RLHF job. Key: "{jobId}/{actorIndex}". It holds replicas of the job's policy (with its
/// value head), frozen reference and reward model, each pulled over the data plane from the coordinator's silo only
/// when an order names a version it does not hold, and does the actors' three kinds of work: sampling completions to
/// compare, computing its slice of a reward-model step's gradient, and sampling and scoring a PPO rollout. Results go
/// to the coordinator's silo over the data plane; orders carry versions, ranges and indices only. Every result is a
/// pure function of the order and the published tensors, so an order can be repeated on any silo.
/// </summary>
public interface ITextRolloutActorGrain : IJobMemberGrain
{
    /// <summary>Samples the completions <see cref="TextSampleOrder.First"/>.. of an iteration's comparison draws and pushes them.</summary>
    Task<TextActorReport> Sample(TextSampleOrder order);

    /// <summary>Computes the mean Bradley-Terry gradient of the order's pairs and pushes it as the round's gradient of this actor.</summary>
    Task<WorkerStepResult> RewardGradients(RewardGradientOrder order);

    /// <summary>Samples completions of the order's prompts with the policy, scores them and pushes the rollout.</summary>
    Task<TextActorReport> Rollout(TextRolloutOrder order);
}

/// <summary>Sample comparison completions <paramref name="First"/>..<paramref name="First"/>+<paramref name="Count"/>-1 of iteration <paramref name="Iteration"/>'s draws.</summary>
/// <param name="Ticket">The coordinator's number for this order; names the pushed completions.</param>
/// <param name="Iteration">Whose draws (prompts, K completions each, their random streams).</param>
/// <param name="PolicyVersion">The policy version to sample with (published on <paramref name="CoordinatorSilo"/>).</param>
/// <param name="CoordinatorSilo">The coordinator's silo: parameters come from its data plane, the completions go there.</param>
/// <param name="First">The first draw of the order.</param>
/// <param name="Count">Draws of the order.</param>
[GenerateSerializer, Immutable]
public sealed record TextSampleOrder(
    [property: Id(0)] long Ticket,
    [property: Id(1)] int Iteration,
    [property: Id(2)] long PolicyVersion,
    [property: Id(3)] SiloAddress CoordinatorSilo,
    [property: Id(4)] int First,
    [property: Id(5)] int Count);

/// <summary>The gradient of one reward-model step's slice of pairs.</summary>
/// <param name="Round">The run's round; names the pushed gradient.</param>
/// <param name="RewardModelVersion">The reward model's parameters to compute with.</param>
/// <param name="Iteration">Whose comparison sequences the pairs index (published once per iteration).</param>
/// <param name="CoordinatorSilo">The coordinator's silo: parameters and sequences come from its data plane, the gradient goes there.</param>
/// <param name="Chosen">Per pair, the row of its chosen sequence.</param>
/// <param name="Rejected">Per pair, the row of its rejected sequence.</param>
[GenerateSerializer, Immutable]
public sealed record RewardGradientOrder(
    [property: Id(0)] long Round,
    [property: Id(1)] long RewardModelVersion,
    [property: Id(2)] int Iteration,
    [property: Id(3)] SiloAddress CoordinatorSilo,
    [property: Id(4)] int[] Chosen,
    [property: Id(5)] int[] Rejected);

/// <summary>A PPO rollout: completions of training prompts <paramref name="Prompts"/>, rows <paramref name="FirstRow"/>.. of the update's batch.</summary>
/// <param name="Ticket">The coordinator's number for this order; names the pushed rollout.</param>
/// <param name="PolicyVersion">The policy version that samples (and whose log-probabilities and values are recorded).</param>
/// <param name="RewardModelVersion">The reward model that scores the completions.</param>
/// <param name="CoordinatorSilo">The coordinator's silo: parameters come from its data plane, the rollout goes there.</param>
/// <param name="Prompts">Indices of the training prompts to complete, one completion each.</param>
/// <param name="FirstRow">The row of the first completion in the update's batch (rows name the random streams).</param>
[GenerateSerializer, Immutable]
public sealed record TextRolloutOrder(
    [property: Id(0)] long Ticket,
    [property: Id(1)] long PolicyVersion,
    [property: Id(2)] long RewardModelVersion,
    [property: Id(3)] SiloAddress CoordinatorSilo,
    [property: Id(4)] int[] Prompts,
    [property: Id(5)] int FirstRow);

/// <summary>What an actor reports for a sampling or rollout order; the tensor itself went over the data plane.</summary>
/// <param name="Ticket">The order's ticket.</param>
/// <param name="Completions">How many completions it pushed.</param>
/// <param name="Silo">Where the actor ran.</param>
/// <param name="Seconds">Time spent sampling and scoring.</param>
[GenerateSerializer, Immutable]
public sealed record TextActorReport(
    [property: Id(0)] long Ticket,
    [property: Id(1)] int Completions,
    [property: Id(2)] string Silo,
    [property: Id(3)] double Seconds);
