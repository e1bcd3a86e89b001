using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistGen.Training.Gan;

/// <summary>
/// DCGAN-style generator for 28x28 grey images: z -> 7x7 feature map -> two stride-2 transposed convolutions -> tanh.
/// LayerNorm over each feature map instead of BatchNorm: each sample's output then does not depend on the rest of its
/// batch, so a data-parallel run over several workers computes exactly what one process computes. (Not GroupNorm:
/// TorchSharp 0.107's GroupNorm leaves its affine weight and bias uninitialised, so outputs start as garbage.)
/// </summary>
public sealed class ConvGenerator : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> _project;
    private readonly Module<Tensor, Tensor> _upsample;
    private readonly int _channels;

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs).</summary>
    public static long ParameterCount(int latentSize, int channels) => checked(
        LayerSizes.Linear(latentSize, 2L * channels * 7 * 7)
        + LayerSizes.LayerNorm(2L * channels * 7 * 7) + LayerSizes.Convolution(2L * channels, channels, 4)
        + LayerSizes.LayerNorm((long)channels * 14 * 14) + LayerSizes.Convolution(channels, 1, 4));

    public ConvGenerator(int latentSize, int channels) : base(nameof(ConvGenerator))
    {
        _channels = channels;
        _project = Sequential(Linear(latentSize, 2 * channels * 7 * 7), ReLU());
        _upsample = Sequential(
            LayerNorm(new long[] { 2 * channels, 7, 7 }), ReLU(),
            ConvTranspose2d(2 * channels, channels, 4, stride: 2, padding: 1), // 7 -> 14
            LayerNorm(new long[] { channels, 14, 14 }), ReLU(),
            ConvTranspose2d(channels, 1, 4, stride: 2, padding: 1), // 14 -> 28
            Tanh());
        RegisterComponents();
    }

    public override Tensor forward(Tensor z) => _upsample.forward(_project.forward(z).view(-1, 2 * _channels, 7, 7));
}

/// <summary>
/// DCGAN-style discriminator for 28x28 grey images: two stride-2 convolutions with LeakyReLU, then one logit per pack
/// of <c>pack</c> images stacked as channels (PacGAN).
/// </summary>
public sealed class ConvDiscriminator : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> _net;
    private readonly int _pack;

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs).</summary>
    public static long ParameterCount(int channels, int pack = 1) => checked(
        LayerSizes.Convolution(pack, channels, 4) + LayerSizes.Convolution(channels, 2L * channels, 4) + LayerSizes.Linear(2L * channels * 7 * 7, 1));

    public ConvDiscriminator(int channels, int pack = 1) : base(nameof(ConvDiscriminator))
    {
        _pack = pack;
        _net = Sequential(
            Conv2d(pack, channels, 4, stride: 2, padding: 1), new LeakyRelu(0.2), // 28 -> 14
            Conv2d(channels, 2 * channels, 4, stride: 2, padding: 1), new LeakyRelu(0.2), // 14 -> 7
            Flatten(),
            Linear(2 * channels * 7 * 7, 1));
        RegisterComponents();
    }

    /// <summary>[B, 1, 28, 28] -> [B / pack] logits; consecutive images form a pack.</summary>
    public override Tensor forward(Tensor x) => _net.forward(x.reshape(-1, _pack, 28, 28)).squeeze(-1);
}
