using DistGen.Training.Core;

namespace DistGen.Training.Rlhf;

/// <summary>Passes progress reports on, changed by <paramref name="report"/>, on the reporting thread (no synchronisation context).</summary>
public sealed class RelayProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
