namespace DistGen.Training.Rl;

/// <summary>What one learner update did, averaged over its minibatch steps (explained variance is over the whole rollout).</summary>
public sealed record PpoUpdateMetrics(
    double PolicyLoss,
    double ValueLoss,
    double Entropy,
    double ApproxKl,
    double ClipFraction,
    double ExplainedVariance,
    double LearningRate,
    double Clip);
