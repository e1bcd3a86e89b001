using System.ComponentModel.DataAnnotations;
using DistGen.Training.Vae;

namespace DistGen.Training.Anomaly;

/// <summary>
/// An anomaly detector's training and scoring: the VAE's training options (it trains on the normal classes only), which
/// classes are normal, how many normal training images are held out to set the threshold, the false-positive rate the
/// threshold keeps, and which scores to report.
/// </summary>
public sealed class AnomalyTrainingOptions : VaeTrainingOptions, IValidatableObject
{
    /// <summary>The score names, in the order reports list them.</summary>
    public static readonly string[] ScoreNames = [AnomalyScores.Reconstruction, AnomalyScores.NegativeElbo, AnomalyScores.ImportanceWeighted];

    /// <summary>The classes (0-9) that are normal; every other class of the test set is an anomaly.</summary>
    [Required] public int[] NormalClasses { get; set; } = [];

    /// <summary>The share of the normal training images held out (not trained on) to set the threshold.</summary>
    [Range(0.01, 0.5)] public double HeldOutNormal { get; set; } = 0.1;

    /// <summary>The share of held-out normal images the threshold may flag.</summary>
    [Range(0.0, 0.5)] public double FalsePositiveRate { get; set; } = 0.05;

    /// <summary>Samples of q(z|x) per image for the negative-ELBO and importance-weighted scores.</summary>
    [Range(1, 100_000)] public int ScoreSamples { get; set; } = 100;

    /// <summary>Which scores to report: reconstruction, neg_elbo, iw_nll (all three by default).</summary>
    public string[] Scores { get; set; } = [.. ScoreNames];

    public AnomalyTrainingOptions()
    {
        // The likelihood figure of a plain VAE run would score normal images twice; the detector's scores replace it.
        LikelihoodImages = 0;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (NormalClasses.Length == 0)
            yield return new ValidationResult("name at least one normal class, e.g. [0]", [nameof(NormalClasses)]);
        else if (NormalClasses.Any(c => c is < 0 or > 9))
            yield return new ValidationResult($"classes are 0 to 9; got [{string.Join(", ", NormalClasses)}]", [nameof(NormalClasses)]);
        else if (NormalClasses.Distinct().Count() != NormalClasses.Length)
            yield return new ValidationResult($"a class is named twice in [{string.Join(", ", NormalClasses)}]", [nameof(NormalClasses)]);
        else if (NormalClasses.Length == 10)
            yield return new ValidationResult("with all ten classes normal there is no anomaly to detect; leave at least one out", [nameof(NormalClasses)]);
        if (Scores.Length == 0 || Scores.Any(s => !ScoreNames.Contains(s)) || Scores.Distinct().Count() != Scores.Length)
            yield return new ValidationResult($"choose one or more of {string.Join(", ", ScoreNames)}, each once; got [{string.Join(", ", Scores)}]", [nameof(Scores)]);
    }
}
