namespace DistGen.Training.Core;

/// <summary>A plain single-process trainer: the oracle that distributed runs must reproduce.</summary>
public interface IReferenceTrainer
{
    /// <summary>Trains to the configured budget, writing metrics.csv, loss.png, samples, a checkpoint and summary.json.</summary>
    TrainingSummary Run(RunContext context);
}
