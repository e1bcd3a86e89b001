using System.ComponentModel.DataAnnotations;

namespace DistGen.Training.Vae;

/// <summary>VAE network shape.</summary>
public sealed class VaeModelOptions
{
    /// <summary>Width of the encoder's and decoder's hidden layer.</summary>
    [Range(8, 8192)] public int HiddenSize { get; set; } = 400;
    /// <summary>Dimensions of the latent z.</summary>
    [Range(1, 1024)] public int LatentSize { get; set; } = 20;
    /// <summary>mlp: one hidden layer each way; conv: a convolutional autoencoder, two stride-2 convolutions (32, 64 channels) before the encoder's hidden layer and two transposed ones after the decoder's.</summary>
    [AllowedValues(VaeArchitecture.Mlp, VaeArchitecture.Conv)] public string Architecture { get; set; } = VaeArchitecture.Mlp;
}

/// <summary>The VAE's encoder and decoder bodies a spec may choose.</summary>
public static class VaeArchitecture
{
    public const string Mlp = "mlp";
    public const string Conv = "conv";
}

/// <summary>VAE training loop options (also the training part of an anomaly detector's, Training/Anomaly/AnomalyOptions.cs).</summary>
public class VaeTrainingOptions
{
    /// <summary>Optimizer steps.</summary>
    [Range(1, 10_000_000)] public int Steps { get; set; } = 3000;
    /// <summary>Images per step (the global batch).</summary>
    [Range(1, 65536)] public int BatchSize { get; set; } = 128;
    /// <summary>Adam learning rate.</summary>
    [Range(1e-7, 1.0)] public double LearningRate { get; set; } = 1e-3;
    /// <summary>Use only the first N training images (0 = all 60,000).</summary>
    [Range(0, 10_000_000)] public int TrainLimit { get; set; }
    /// <summary>Evaluate on only the first N test images (0 = all 10,000).</summary>
    [Range(0, 10_000_000)] public int TestLimit { get; set; }
    /// <summary>Write a metrics row every this many steps.</summary>
    [Range(1, 1_000_000)] public int LogEvery { get; set; } = 50;
    /// <summary>Measure the test negative ELBO every this many steps.</summary>
    [Range(1, 10_000_000)] public int EvalEvery { get; set; } = 500;
    /// <summary>At the end, estimate -log p(x) by importance weighting on the first N test images (within testLimit), binarized once with a fixed seed (0 = off).</summary>
    [Range(0, 10_000_000)] public int LikelihoodImages { get; set; } = 1000;
    /// <summary>Importance samples k per image for that estimate (Burda et al. 2016 used 5,000).</summary>
    [Range(1, 100_000)] public int LikelihoodSamples { get; set; } = 1000;
}
