using System.Diagnostics;

namespace DistGen.Training.Rlhf;

/// <summary>Wall seconds spent in each named stage of a run (pretrain, sampling, labeling, reward model, PPO, evaluation).</summary>
public sealed class StageClock
{
    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    /// <summary>Counts <paramref name="seconds"/> measured elsewhere (e.g. by actors) to <paramref name="stage"/>.</summary>
    public void Add(string stage, double seconds) => _seconds[stage] = _seconds.GetValueOrDefault(stage) + seconds;

    public T Time<T>(string stage, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return work();
        }
        finally
        {
            _seconds[stage] = _seconds.GetValueOrDefault(stage) + clock.Elapsed.TotalSeconds;
        }
    }
}
