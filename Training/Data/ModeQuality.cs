namespace DistGen.Training.Data;

/// <summary>Mode-collapse figures of a 2-D GAN (see <see cref="GaussianMixture2D.Evaluate(ReadOnlySpan{float})"/>).</summary>
/// <param name="ModesCovered">Modes with at least a quarter of their fair share of high-quality samples.</param>
/// <param name="ModeCount">Modes of the true distribution.</param>
/// <param name="HighQualityFraction">Fraction of samples within 3 standard deviations of their nearest mode.</param>
/// <param name="ReverseKl">KL(p_gen ‖ uniform) of the high-quality samples' mode histogram, in nats.</param>
public sealed record ModeQuality(int ModesCovered, int ModeCount, double HighQualityFraction, double ReverseKl);
