namespace DistGen.Training.Rl;

/// <summary>
/// What a PPO checkpoint holds besides the weights and the round, as named 64-bit counters (<see cref="Core.LearnerCheckpoint"/>):
/// the run's tallies, the last 100 returns (as float64 bits), the minibatch stream and each actor's environments and
/// action stream ("actor.{a}.{name}").
/// </summary>
internal sealed record PpoRecords(
    long Round, long EnvSteps, long Episodes, long Dropped, long Refused, long? EnvStepsToTarget, ulong MinibatchState,
    long[] LagCounts, double[] RecentReturns, IReadOnlyList<IReadOnlyDictionary<string, ulong>> ActorStates)
{
    public static Dictionary<string, ulong> Save(PpoLearner learner, IReadOnlyList<IReadOnlyDictionary<string, ulong>> actorStates)
    {
        var counters = new Dictionary<string, ulong>
        {
            ["env_steps"] = (ulong)learner.EnvSteps,
            ["episodes"] = (ulong)learner.Episodes,
            ["dropped"] = (ulong)learner.Dropped,
            ["refused"] = (ulong)learner.Refused,
            // 0 = not reached yet; otherwise env steps + 1.
            ["target"] = learner.EnvStepsToTarget is long t ? (ulong)t + 1 : 0,
            ["rng.minibatches"] = learner.MinibatchState,
            ["returns.count"] = (ulong)learner.RecentReturns.Count,
        };
        for (int k = 0; k < learner.LagHistogram.Count; k++) counters[$"lag.{k}"] = (ulong)learner.LagHistogram[k];
        int i = 0;
        foreach (var r in learner.RecentReturns) counters[$"returns.{i++}"] = BitConverter.DoubleToUInt64Bits(r);
        for (int a = 0; a < actorStates.Count; a++)
            foreach (var (name, value) in actorStates[a]) counters[$"actor.{a}.{name}"] = value;
        return counters;
    }

    public static PpoRecords Load(long round, IReadOnlyDictionary<string, ulong> counters, int actors, int lags)
    {
        ulong Get(string name) => counters.TryGetValue(name, out var v) ? v
            : throw new InvalidDataException($"the checkpoint has no '{name}'; it was not written by a PPO run of this version");
        var returns = Enumerable.Range(0, (int)Get("returns.count")).Select(i => BitConverter.UInt64BitsToDouble(Get($"returns.{i}"))).ToArray();
        var states = Enumerable.Range(0, actors).Select(a =>
        {
            var prefix = $"actor.{a}.";
            var state = counters.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(c => c.Key[prefix.Length..], c => c.Value);
            if (state.Count == 0) throw new InvalidDataException($"the checkpoint has no state for rollout actor {a}; was it written with fewer actors?");
            return (IReadOnlyDictionary<string, ulong>)state;
        }).ToList();
        ulong target = Get("target");
        return new PpoRecords(round, (long)Get("env_steps"), (long)Get("episodes"), (long)Get("dropped"), (long)Get("refused"),
            target == 0 ? null : (long)(target - 1), Get("rng.minibatches"),
            Enumerable.Range(0, lags).Select(k => (long)(counters.TryGetValue($"lag.{k}", out var v) ? v : 0)).ToArray(), returns, states);
    }
}
