using System.ComponentModel.DataAnnotations;

namespace DistGen.Training.Gan;

/// <summary>GAN networks: MLPs for 2-D data sets, DCGAN-style convolutions for 28x28 images.</summary>
public sealed class GanModelOptions
{
    /// <summary>Size of the latent noise z ~ N(0, I).</summary>
    [Range(1, 1024)] public int LatentSize { get; set; } = 16;
    /// <summary>Width of the hidden layers of the MLP networks (2-D data).</summary>
    [Range(4, 4096)] public int HiddenSize { get; set; } = 64;
    /// <summary>Hidden layers of the MLP networks (2-D data).</summary>
    [Range(1, 16)] public int Layers { get; set; } = 3;
    /// <summary>Samples the discriminator judges jointly (PacGAN); 1 is the plain GAN. The batch must be a multiple of it.</summary>
    [Range(1, 16)] public int Pack { get; set; } = 1;
    /// <summary>Channels of the first convolution of the conv networks (images).</summary>
    [Range(8, 512)] public int Channels { get; set; } = 32;
}

/// <summary>GAN training loop options.</summary>
public sealed class GanTrainingOptions
{
    /// <summary>Generator steps (rounds); each is preceded by discriminatorSteps discriminator steps.</summary>
    [Range(1, 10_000_000)] public int Steps { get; set; } = 20_000;
    /// <summary>Real and fake samples per step.</summary>
    [Range(1, 65536)] public int BatchSize { get; set; } = 128;
    /// <summary>Discriminator steps per generator step (k in Goodfellow et al.).</summary>
    [Range(1, 100)] public int DiscriminatorSteps { get; set; } = 1;
    /// <summary>Weight γ of the R1 penalty γ/2·E‖∇ₓD(x)‖² on real data (Mescheder et al. 2018); 0 turns it off.</summary>
    [Range(0.0, 1000.0)] public double R1Gamma { get; set; } = 0.1;
    /// <summary>Generator objective: "non-saturating" (-log D(G(z))) or "minimax" (log(1 - D(G(z)))).</summary>
    [AllowedValues("non-saturating", "minimax")] public string GeneratorLoss { get; set; } = "non-saturating";
    /// <summary>Adam learning rate of the generator.</summary>
    [Range(1e-7, 1.0)] public double GeneratorLearningRate { get; set; } = 2e-3;
    /// <summary>Adam learning rate of the discriminator.</summary>
    [Range(1e-7, 1.0)] public double DiscriminatorLearningRate { get; set; } = 2e-3;
    /// <summary>Learning-rate schedule of both networks: "linear" decays to 0 over the run (sharpens the modes late), or "constant".</summary>
    [AllowedValues("linear", "constant")] public string Schedule { get; set; } = "linear";
    /// <summary>Adam beta1 (0.5 is the DCGAN choice).</summary>
    [Range(0.0, 0.9999)] public double Beta1 { get; set; } = 0.5;
    /// <summary>Adam beta2 (0.99 beat 0.999 on ring8: faster to adapt to the moving opponent).</summary>
    [Range(0.0, 0.99999)] public double Beta2 { get; set; } = 0.99;
    /// <summary>Write a metrics row every this many generator steps.</summary>
    [Range(1, 1_000_000)] public int LogEvery { get; set; } = 200;
    /// <summary>Evaluate sample quality (and refresh samples.png) every this many generator steps.</summary>
    [Range(1, 10_000_000)] public int EvalEvery { get; set; } = 2000;
}
