using DistGen.Training.Core;

namespace DistGen.Training.Vae;

/// <summary>
/// What a VAE run adds to its run folder and summary when it finishes, after its own figures: e.g. an anomaly detector's
/// scores of the test set (Training/Anomaly/OneClassReport.cs).
/// </summary>
public interface IVaeReport
{
    /// <summary>Writes its artifacts through <paramref name="run"/> and adds its figures and their definitions.</summary>
    void Write(VariationalAutoencoder vae, RunContext run, IDictionary<string, double> figures, IDictionary<string, string> definitions);
}
