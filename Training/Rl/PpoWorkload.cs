using DistGen.Training.Core;

namespace DistGen.Training.Rl;

/// <summary>
/// A PPO job as numbered rounds: round r trains policy version r-1 into version r on one global batch of
/// N*T transitions from A rollout actors (<see cref="Layout"/>). The single-process trainer and the cluster's rollout
/// actor grains and learner all build from this, so they share the seeds, the environment assignment and the learner.
/// </summary>
public sealed class PpoWorkload(PpoModelOptions model, PpoTrainingOptions training, int actors, long seed, int checkpointEvery = 0) : IRoundWorkload
{
    public string Name => "ppo";

    public PpoModelOptions Model { get; } = model;

    public PpoTrainingOptions Training { get; } = training;

    public long Seed { get; } = seed;

    /// <summary>A actors of E environments each.</summary>
    public RolloutActorLayout Layout { get; } = new(actors, training.Envs);

    /// <summary>A: rollout actor grains.</summary>
    public int Workers => Layout.Actors;

    /// <summary>Policy updates (versions) of the run.</summary>
    public int Rounds => Training.Updates;

    public int CheckpointEvery { get; } = checkpointEvery;

    /// <summary>The actor-critic, seeded: identical in every process (parameters are then overwritten where a replica acts).</summary>
    public ActorCritic CreatePolicy() =>
        Seeding.Build(Seed, () => new ActorCritic(VectorCartPole.ObservationSize, VectorCartPole.ActionCount, Model.HiddenSize, Model.HiddenLayers));

    /// <summary>Actor <paramref name="actor"/>'s environments and action stream at the start of the run.</summary>
    public RolloutCollector CreateCollector(int actor) => Layout.CreateCollector(actor, Seed);

    /// <summary>The learner, owning the policy, the optimizer and the run's records.</summary>
    public PpoLearner CreateLearner(RunContext context) => new(this, context);
}
