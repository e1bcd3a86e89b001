using DistGen.Training.Core;

namespace DistGen.Training.Rl;

/// <summary>
/// N independent CartPole-v1 environments stepped together, each with its own SplitMix64 stream derived from one seed
/// (<c>Seeding.Derive(seed, "cartpole:i")</c>, i the global index, so a rollout actor's slice of the environments steps
/// exactly as the same environments do in one process), with Gymnasium's "same-step" autoreset: an environment whose episode
/// ends is reset inside the same <see cref="Step"/> call. Its whole state can be saved and restored bit-exactly.
/// </summary>
public sealed class VectorCartPole
{
    private readonly CartPole[] _envs;
    private readonly SplitMix64[] _random;
    private readonly double[] _episodeReturns;
    private readonly int[] _episodeLengths;
    private bool _started;

    /// <param name="count">Environments in this vector.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="firstIndex">Global index of the first environment: this vector holds environments firstIndex..firstIndex+count-1.</param>
    public VectorCartPole(int count, long seed, int firstIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        _envs = new CartPole[count];
        _random = new SplitMix64[count];
        for (int i = 0; i < count; i++)
        {
            _envs[i] = new CartPole();
            _random[i] = new SplitMix64(Seeding.Derive(seed, $"cartpole:{firstIndex + i}"));
        }
        _episodeReturns = new double[count];
        _episodeLengths = new int[count];
    }

    public int Count => _envs.Length;

    public const int ObservationSize = CartPoleState.Size;

    public const int ActionCount = CartPole.ActionCount;

    /// <summary>True once <see cref="Reset"/> has run (or a started state was restored).</summary>
    public bool Started => _started;

    /// <summary>Episodes finished since construction.</summary>
    public long EpisodesFinished { get; private set; }

    /// <summary>Resets every environment; returns the [N, 4] first observations.</summary>
    public float[] Reset()
    {
        var observations = new float[Count * ObservationSize];
        for (int i = 0; i < Count; i++)
        {
            _envs[i].Reset(_random[i]).WriteObservation(observations.AsSpan(i * ObservationSize, ObservationSize));
            _episodeReturns[i] = 0;
            _episodeLengths[i] = 0;
        }
        _started = true;
        return observations;
    }

    /// <summary>The observations the environments are in now (after the last Reset, Step or Restore).</summary>
    public float[] CurrentObservations()
    {
        var observations = new float[Count * ObservationSize];
        for (int i = 0; i < Count; i++) _envs[i].State.WriteObservation(observations.AsSpan(i * ObservationSize, ObservationSize));
        return observations;
    }

    /// <summary>Steps every environment with its action; ended episodes are reported and reset in the same call.</summary>
    public VectorCartPoleStep Step(ReadOnlySpan<int> actions)
    {
        if (!_started) throw new InvalidOperationException("call Reset before the first Step");
        if (actions.Length != Count) throw new ArgumentException($"got {actions.Length} actions for {Count} environments", nameof(actions));
        var observations = new float[Count * ObservationSize];
        var finalObservations = new float[Count * ObservationSize];
        var rewards = new float[Count];
        var terminated = new bool[Count];
        var truncated = new bool[Count];
        var finished = new List<FinishedEpisode>();
        for (int i = 0; i < Count; i++)
        {
            var transition = _envs[i].Step(actions[i]);
            var slot = new Range(i * ObservationSize, (i + 1) * ObservationSize);
            transition.State.WriteObservation(finalObservations.AsSpan(slot));
            rewards[i] = (float)transition.Reward;
            terminated[i] = transition.Terminated;
            truncated[i] = transition.Truncated;
            _episodeReturns[i] += transition.Reward;
            _episodeLengths[i]++;
            if (transition.Done)
            {
                finished.Add(new FinishedEpisode(i, _episodeReturns[i], _episodeLengths[i]));
                EpisodesFinished++;
                _episodeReturns[i] = 0;
                _episodeLengths[i] = 0;
                _envs[i].Reset(_random[i]).WriteObservation(observations.AsSpan(slot));
            }
            else
            {
                transition.State.WriteObservation(observations.AsSpan(slot));
            }
        }
        return new VectorCartPoleStep(observations, finalObservations, rewards, terminated, truncated, finished);
    }

    /// <summary>
    /// The complete state as named 64-bit words (RNG states, float64 physics as raw bits, episode counters), in the form
    /// <see cref="Checkpoint"/> stores as counters; prefix the names when several objects share one checkpoint.
    /// </summary>
    public IReadOnlyDictionary<string, ulong> SaveState()
    {
        var state = new Dictionary<string, ulong> { ["count"] = (ulong)Count, ["started"] = _started ? 1UL : 0UL, ["episodes"] = (ulong)EpisodesFinished };
        for (int i = 0; i < Count; i++)
        {
            var s = _envs[i].State;
            state[$"{i}.rng"] = _random[i].State;
            state[$"{i}.x"] = BitConverter.DoubleToUInt64Bits(s.X);
            state[$"{i}.x_dot"] = BitConverter.DoubleToUInt64Bits(s.XDot);
            state[$"{i}.theta"] = BitConverter.DoubleToUInt64Bits(s.Theta);
            state[$"{i}.theta_dot"] = BitConverter.DoubleToUInt64Bits(s.ThetaDot);
            state[$"{i}.elapsed"] = (ulong)_envs[i].ElapsedSteps;
            state[$"{i}.return"] = BitConverter.DoubleToUInt64Bits(_episodeReturns[i]);
            state[$"{i}.length"] = (ulong)_episodeLengths[i];
        }
        return state;
    }

    /// <summary>Restores a state written by <see cref="SaveState"/>; stepping then continues exactly where it was saved.</summary>
    public void RestoreState(IReadOnlyDictionary<string, ulong> state)
    {
        if (!state.TryGetValue("count", out var count) || (int)count != Count)
            throw new InvalidDataException($"the saved environment state is for {(state.TryGetValue("count", out var c) ? c : 0)} environments, this one has {Count}");
        _started = state["started"] == 1;
        EpisodesFinished = (long)state["episodes"];
        for (int i = 0; i < Count; i++)
        {
            _random[i].State = state[$"{i}.rng"];
            var s = new CartPoleState(
                BitConverter.UInt64BitsToDouble(state[$"{i}.x"]), BitConverter.UInt64BitsToDouble(state[$"{i}.x_dot"]),
                BitConverter.UInt64BitsToDouble(state[$"{i}.theta"]), BitConverter.UInt64BitsToDouble(state[$"{i}.theta_dot"]));
            if (_started) _envs[i].SetState(s, (int)state[$"{i}.elapsed"]);
            _episodeReturns[i] = BitConverter.UInt64BitsToDouble(state[$"{i}.return"]);
            _episodeLengths[i] = (int)state[$"{i}.length"];
        }
    }
}
