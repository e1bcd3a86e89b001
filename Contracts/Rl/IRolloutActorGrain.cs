using DistGen.Contracts.Jobs;

namespace DistGen.Contracts.Rl;

/// <summary>
/// One rollout actor of a PPO job. Key: "{jobId}/{actorIndex}". Per order it pulls the policy of the ordered version
/// over the data plane (one copy per silo), steps its E environments T times from the state the order carries, and
/// pushes the trajectory batch to the coordinator's silo. The coordinator keeps each actor's environment state, so
/// an order can be repeated (or an actor moved to another silo) and collects the same transitions.
/// </summary>
public interface IRolloutActorGrain : IJobMemberGrain
{
    Task<RolloutReport> Collect(RolloutOrder order);
}

/// <summary>Collect one rollout with policy <paramref name="PolicyVersion"/>, starting from <paramref name="StartState"/>.</summary>
/// <param name="Ticket">The coordinator's number for this order; names the pushed batch.</param>
/// <param name="PolicyVersion">Which parameters to act with (published on <paramref name="CoordinatorSilo"/>).</param>
/// <param name="CoordinatorSilo">The coordinator's silo: parameters come from its data plane, the batch goes there.</param>
/// <param name="StartState">The actor's environments and action stream, as named 64-bit words.</param>
[GenerateSerializer, Immutable]
public sealed record RolloutOrder(
    [property: Id(0)] long Ticket,
    [property: Id(1)] long PolicyVersion,
    [property: Id(2)] SiloAddress CoordinatorSilo,
    [property: Id(3)] IReadOnlyDictionary<string, ulong> StartState);

/// <summary>What an actor reports for an order; the batch itself went over the data plane.</summary>
/// <param name="Ticket">The order's ticket.</param>
/// <param name="PolicyVersion">The version the actor acted with (the behaviour policy of the batch).</param>
/// <param name="EndState">The environments and action stream after the rollout: the next order's start state.</param>
/// <param name="Silo">Where the actor ran.</param>
/// <param name="CollectSeconds">Time spent stepping the environments and the policy.</param>
[GenerateSerializer, Immutable]
public sealed record RolloutReport(
    [property: Id(0)] long Ticket,
    [property: Id(1)] long PolicyVersion,
    [property: Id(2)] IReadOnlyDictionary<string, ulong> EndState,
    [property: Id(3)] string Silo,
    [property: Id(4)] double CollectSeconds);
