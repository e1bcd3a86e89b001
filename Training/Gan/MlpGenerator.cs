using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistGen.Training.Gan;

/// <summary>Generator for 2-D data: z -> [Linear, ReLU] x layers -> Linear -> point in the plane.</summary>
public sealed class MlpGenerator : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> _net;

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs).</summary>
    public static long ParameterCount(int latentSize, int hiddenSize, int layers, int outputSize = 2) =>
        LayerSizes.Mlp(latentSize, hiddenSize, layers, outputSize);

    public MlpGenerator(int latentSize, int hiddenSize, int layers, int outputSize = 2) : base(nameof(MlpGenerator))
    {
        _net = MlpStack.Build(latentSize, hiddenSize, layers, outputSize, () => ReLU());
        RegisterComponents();
    }

    public override Tensor forward(Tensor z) => _net.forward(z);
}

/// <summary>
/// Discriminator for 2-D data: [Linear, LeakyReLU] x layers -> Linear -> one logit per pack of <c>pack</c> samples
/// (PacGAN, Lin et al. 2018: judging samples jointly lets D see a collapsed generator's lack of diversity).
/// </summary>
public sealed class MlpDiscriminator : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> _net;
    private readonly int _packedInput;

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs).</summary>
    public static long ParameterCount(int inputSize, int hiddenSize, int layers, int pack = 1) =>
        LayerSizes.Mlp((long)inputSize * pack, hiddenSize, layers, 1);

    public MlpDiscriminator(int inputSize, int hiddenSize, int layers, int pack = 1) : base(nameof(MlpDiscriminator))
    {
        _packedInput = inputSize * pack;
        _net = MlpStack.Build(_packedInput, hiddenSize, layers, 1, () => new LeakyRelu(0.2));
        RegisterComponents();
    }

    /// <summary>[B, inputSize] -> [B / pack] logits; consecutive samples form a pack.</summary>
    public override Tensor forward(Tensor x) => _net.forward(x.reshape(-1, _packedInput)).squeeze(-1);
}

/// <summary>Builds a plain multilayer perceptron.</summary>
internal static class MlpStack
{
    public static Module<Tensor, Tensor> Build(int input, int hidden, int layers, int output, Func<Module<Tensor, Tensor>> activation)
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        int width = input;
        for (int i = 0; i < layers; i++)
        {
            modules.Add(($"linear{i}", Linear(width, hidden)));
            modules.Add(($"act{i}", activation()));
            width = hidden;
        }
        modules.Add(("out", Linear(width, output)));
        return Sequential(modules);
    }
}
