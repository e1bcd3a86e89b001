namespace DistGen.Training.Rl;

/// <summary>
/// How a PPO run's N environments are split over A rollout actors of E = N / A environments each: actor a runs the
/// environments a*E .. a*E+E-1 (their seeds are those of the same environments in one process) with its own action
/// stream. The learner's global batch is the actors' batches side by side in actor order, so the single-process
/// trainer with the same layout and a cluster run with A actor grains see the same transitions in the same order.
/// </summary>
public sealed record RolloutActorLayout
{
    public RolloutActorLayout(int actors, int envs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(actors, 1);
        if (envs % actors != 0) throw new ArgumentException($"{envs} environments do not split evenly over {actors} rollout actors");
        Actors = actors;
        EnvsPerActor = envs / actors;
    }

    /// <summary>A: rollout actors.</summary>
    public int Actors { get; }

    /// <summary>E: environments per actor.</summary>
    public int EnvsPerActor { get; }

    /// <summary>Global index of actor <paramref name="actor"/>'s first environment.</summary>
    public int FirstEnv(int actor) => actor * EnvsPerActor;

    /// <summary>
    /// Actor <paramref name="actor"/>'s environments and action stream, fresh from the seed. Actor 0 keeps the stream
    /// name of a one-actor run ("actions"), so a one-actor layout is the plain single-process rollout.
    /// </summary>
    public RolloutCollector CreateCollector(int actor, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(actor, Actors);
        return new RolloutCollector(new VectorCartPole(EnvsPerActor, seed, FirstEnv(actor)), seed, actor == 0 ? "actions" : $"actions:{actor}");
    }
}
