using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Specs;
using DistGen.Training.Vae;
using TorchSharp;

namespace DistGen.Training.Anomaly;

/// <summary>
/// A finished anomaly job's detector, loaded from its run folder (spec.json, checkpoint.bin, summary.json): its VAE, its
/// scores' thresholds, and which score separated best on its test set. What <c>distgen score</c> scores new images with.
/// </summary>
public sealed class AnomalyDetector : IDisposable
{
    private readonly VariationalAutoencoder _vae;
    private readonly AnomalyTrainingOptions _training;
    private readonly long _seed;
    private readonly IReadOnlyDictionary<string, double> _figures;

    private AnomalyDetector(VariationalAutoencoder vae, AnomalyTrainingOptions training, long seed, IReadOnlyDictionary<string, double> figures) =>
        (_vae, _training, _seed, _figures) = (vae, training, seed, figures);

    /// <summary>The scores the job reported, each with a threshold.</summary>
    public IReadOnlyList<string> Scores => _training.Scores;

    /// <summary>The reported score with the highest test AUROC.</summary>
    public string BestScore => _training.Scores.MaxBy(s => _figures[$"auroc_{s}"])!;

    public double ThresholdOf(string score) => _figures.TryGetValue($"threshold_{score}", out var t) ? t
        : throw new ScoringInputException($"this detector reported no '{score}' score; it has {string.Join(", ", Scores)}");

    public double FalsePositiveRate => _training.FalsePositiveRate;

    /// <summary>Loads the detector of the run folder <paramref name="folder"/>; throws <see cref="ScoringInputException"/> naming what is missing or wrong.</summary>
    public static AnomalyDetector Load(string folder)
    {
        string Need(string file)
        {
            var path = Path.Combine(folder, file);
            return File.Exists(path) ? path
                : throw new ScoringInputException($"{folder} has no {file}: give the run folder (or job id) of a finished anomaly job");
        }
        LoadedJob job;
        try
        {
            job = SpecLoader.LoadFile(Need("spec.json"));
        }
        catch (SpecException e)
        {
            throw new ScoringInputException($"{folder}/spec.json is not a valid job spec: {e.Message}", e);
        }
        if (job.Spec.Workload != "anomaly" || job.Model is not VaeModelOptions model || job.Training is not AnomalyTrainingOptions training)
            throw new ScoringInputException($"{folder} holds a '{job.Spec.Workload}' job; distgen score needs an anomaly job's run folder");
        var summary = TrainingSummary.Read(Need("summary.json"));
        if (!training.Scores.All(s => summary.Figures.ContainsKey($"threshold_{s}") && summary.Figures.ContainsKey($"auroc_{s}")))
            throw new ScoringInputException($"{folder}/summary.json has no thresholds: the job did not finish its report");
        var vae = VaeWorkload.BuildModel(model, job.Spec.Seed);
        try
        {
            Checkpoint.LoadModules(Need("checkpoint.bin"), new Dictionary<string, torch.nn.Module> { ["vae"] = vae });
        }
        catch (Exception e) when (e is CheckpointCorruptException or InvalidDataException or KeyNotFoundException)
        {
            vae.Dispose();
            throw new ScoringInputException($"{folder}/checkpoint.bin cannot be loaded: {e.Message}", e);
        }
        vae.eval();
        return new AnomalyDetector(vae, training, job.Spec.Seed, summary.Figures);
    }

    /// <summary>Every reported score of every image, with the job's own number of samples per image.</summary>
    public IReadOnlyDictionary<string, double[]> Score(ImageDataset images) =>
        AnomalyScores.Of(_vae, images, _training.ScoreSamples, _seed, firstStream: 0);

    public void Dispose() => _vae.Dispose();
}
