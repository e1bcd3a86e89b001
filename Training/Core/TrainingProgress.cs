namespace DistGen.Training.Core;

/// <summary>A progress report of a running trainer: where it is and its latest metrics (loss, return, ...).</summary>
public sealed record TrainingProgress(long Step, long TotalSteps, IReadOnlyDictionary<string, double> Metrics);
