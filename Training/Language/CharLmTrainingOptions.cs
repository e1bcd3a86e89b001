using System.ComponentModel.DataAnnotations;

namespace DistGen.Training.Language;

/// <summary>Budget and optimiser settings of a char-LM run (the "training" section of its job spec).</summary>
public sealed record CharLmTrainingOptions
{
    /// <summary>Number of optimiser steps.</summary>
    [Range(1, 10_000_000)]
    public int Steps { get; init; } = 1500;

    /// <summary>Windows per minibatch (tokens per step = BatchSize x ContextLength).</summary>
    [Range(1, 65_536)]
    public int BatchSize { get; init; } = 32;

    /// <summary>Peak AdamW learning rate.</summary>
    [Range(1e-7, 1.0)]
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Steps of linear warm-up from 0 to LearningRate; 0 disables warm-up.</summary>
    [Range(0, 10_000_000)]
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Whether the learning rate follows a cosine decay to MinLearningRateRatio x LearningRate after warm-up.</summary>
    public bool CosineDecay { get; init; } = true;

    /// <summary>Final learning rate as a fraction of LearningRate when CosineDecay is on.</summary>
    [Range(0.0, 1.0)]
    public double MinLearningRateRatio { get; init; } = 0.1;

    /// <summary>AdamW decoupled weight decay, applied to matrices and embeddings only (not to biases or norms).</summary>
    [Range(0.0, 1.0)]
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>AdamW first-moment decay beta1.</summary>
    [Range(0.0, 0.99999)]
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW second-moment decay beta2.</summary>
    [Range(0.0, 0.99999)]
    public double Beta2 { get; init; } = 0.99;

    /// <summary>Clip the global gradient L2 norm to this value; 0 disables clipping.</summary>
    [Range(0.0, 1e6)]
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Steps between validation estimates (and metrics rows and samples).</summary>
    [Range(1, 10_000_000)]
    public int EvalInterval { get; init; } = 100;

    /// <summary>Seeded validation minibatches averaged per estimate (the same batches every time).</summary>
    [Range(1, 10_000)]
    public int EvalBatches { get; init; } = 16;

    /// <summary>Text every sample starts from; it must only use characters of the corpus.</summary>
    public string SamplePrompt { get; init; } = "And ";

    /// <summary>Characters generated per sample.</summary>
    [Range(1, 100_000)]
    public int SampleLength { get; init; } = 200;

    /// <summary>Samples written at the end of the run (one more at each evaluation).</summary>
    [Range(0, 1000)]
    public int SampleCount { get; init; } = 3;

    /// <summary>Softmax temperature for samples; 0 means greedy (most likely character).</summary>
    [Range(0.0, 10.0)]
    public double SampleTemperature { get; init; } = 0.8;
}
