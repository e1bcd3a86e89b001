using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistGen.Training.Vae;

/// <summary>
/// VAE (Kingma and Welling 2014) for 28x28 images flattened to 784 values in [0, 1]: an encoder to the mean and
/// log-variance of q(z|x), the reparameterisation z = mu + sigma * eps, and a decoder to Bernoulli logits of p(x|z).
/// The encoder and decoder are MLPs, or (<see cref="VaeArchitecture.Conv"/>) convolutional around the same hidden layer.
/// </summary>
public sealed class VariationalAutoencoder : Module<Tensor, Tensor, (Tensor Logits, Tensor Mu, Tensor LogVar)>
{
    private readonly Module<Tensor, Tensor> _encoder;
    private readonly Module<Tensor, Tensor> _toMu;
    private readonly Module<Tensor, Tensor> _toLogVar;
    private readonly Module<Tensor, Tensor> _decoder;

    public int LatentSize { get; }

    // The convolutional body's feature map between the convolutions and the hidden layer: 64 channels of 7x7.
    private const int Channels = 64, Side = 7, FeatureCount = Channels * Side * Side;

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs).</summary>
    public static long ParameterCount(int inputSize, int hiddenSize, int latentSize, string architecture = VaeArchitecture.Mlp) => checked(
        2 * LayerSizes.Linear(hiddenSize, latentSize) + LayerSizes.Linear(latentSize, hiddenSize) + (architecture == VaeArchitecture.Conv
            ? LayerSizes.Convolution(1, Channels / 2, 4) + LayerSizes.Convolution(Channels / 2, Channels, 4)
              + LayerSizes.Convolution(Channels, Channels / 2, 4) + LayerSizes.Convolution(Channels / 2, 1, 4)
              + LayerSizes.Linear(FeatureCount, hiddenSize) + LayerSizes.Linear(hiddenSize, FeatureCount)
            : LayerSizes.Linear(inputSize, hiddenSize) + LayerSizes.Linear(hiddenSize, inputSize)));

    public VariationalAutoencoder(int inputSize, int hiddenSize, int latentSize, string architecture = VaeArchitecture.Mlp) : base(nameof(VariationalAutoencoder))
    {
        LatentSize = latentSize;
        if (architecture == VaeArchitecture.Conv && inputSize != 28 * 28)
            throw new ArgumentException($"the convolutional VAE takes 28x28 images (784 values), not {inputSize}", nameof(inputSize));
        _encoder = architecture == VaeArchitecture.Conv
            ? Sequential(
                Unflatten(1, [1, 28, 28]),
                Conv2d(1, Channels / 2, 4, stride: 2, padding: 1), ReLU(), // 28 -> 14
                Conv2d(Channels / 2, Channels, 4, stride: 2, padding: 1), ReLU(), // 14 -> 7
                Flatten(), Linear(FeatureCount, hiddenSize), ReLU())
            : Sequential(Linear(inputSize, hiddenSize), ReLU());
        _toMu = Linear(hiddenSize, latentSize);
        _toLogVar = Linear(hiddenSize, latentSize);
        _decoder = architecture == VaeArchitecture.Conv
            ? Sequential(
                Linear(latentSize, hiddenSize), ReLU(), Linear(hiddenSize, FeatureCount), ReLU(),
                Unflatten(1, [Channels, Side, Side]),
                ConvTranspose2d(Channels, Channels / 2, 4, stride: 2, padding: 1), ReLU(), // 7 -> 14
                ConvTranspose2d(Channels / 2, 1, 4, stride: 2, padding: 1), // 14 -> 28
                Flatten())
            : Sequential(Linear(latentSize, hiddenSize), ReLU(), Linear(hiddenSize, inputSize));
        RegisterComponents();
    }

    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _encoder.forward(x);
        return (_toMu.forward(h).MoveToOuterDisposeScope(), _toLogVar.forward(h).MoveToOuterDisposeScope());
    }

    /// <summary>Bernoulli logits of p(x|z).</summary>
    public Tensor Decode(Tensor z) => _decoder.forward(z);

    // z = mu + exp(logvar / 2) * eps, eps ~ N(0, I): the noise is an input so a data-parallel run can replay it exactly.
    public static Tensor Reparameterise(Tensor mu, Tensor logVar, Tensor eps)
    {
        using var sigma = logVar.mul(Scalars.Constant(0.5)).exp();
        using var scaled = sigma * eps;
        return mu.add(scaled, Scalars.One);
    }

    /// <summary>Encodes, samples z with the given noise, decodes.</summary>
    public override (Tensor Logits, Tensor Mu, Tensor LogVar) forward(Tensor x, Tensor eps)
    {
        var (mu, logVar) = Encode(x);
        using var z = Reparameterise(mu, logVar, eps);
        return (Decode(z), mu, logVar);
    }
}
