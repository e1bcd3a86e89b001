using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistGen.Training.Vae;

/// <summary>
/// VAE (Kingma and Welling 2014) for 28x28 images flattened to 784 values in [0, 1]: an MLP encoder to the mean and
/// log-variance of q(z|x), the reparameterisation z = mu + sigma * eps, and an MLP decoder to Bernoulli logits of p(x|z).
/// </summary>
public sealed class VariationalAutoencoder : Module<Tensor, Tensor, (Tensor Logits, Tensor Mu, Tensor LogVar)>
{
    private readonly Module<Tensor, Tensor> _encoder;
    private readonly Module<Tensor, Tensor> _toMu;
    private readonly Module<Tensor, Tensor> _toLogVar;
    private readonly Module<Tensor, Tensor> _decoder;

    public int LatentSize { get; }

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs).</summary>
    public static long ParameterCount(int inputSize, int hiddenSize, int latentSize) => checked(
        LayerSizes.Linear(inputSize, hiddenSize) + 2 * LayerSizes.Linear(hiddenSize, latentSize)
        + LayerSizes.Linear(latentSize, hiddenSize) + LayerSizes.Linear(hiddenSize, inputSize));

    public VariationalAutoencoder(int inputSize, int hiddenSize, int latentSize) : base(nameof(VariationalAutoencoder))
    {
        LatentSize = latentSize;
        _encoder = Sequential(Linear(inputSize, hiddenSize), ReLU());
        _toMu = Linear(hiddenSize, latentSize);
        _toLogVar = Linear(hiddenSize, latentSize);
        _decoder = Sequential(Linear(latentSize, hiddenSize), ReLU(), Linear(hiddenSize, inputSize));
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
