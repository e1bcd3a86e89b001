using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// LeakyReLU(x) = max(x, slope·x) as a module, with its slope held as a long-lived Scalar. TorchSharp's own LeakyReLU
/// turns the slope into a temporary Scalar on every forward, which a garbage collection may free mid-call
/// (see <see cref="Scalars"/>).
/// </summary>
public sealed class LeakyRelu(double negativeSlope) : nn.Module<Tensor, Tensor>(nameof(LeakyRelu))
{
    private readonly Scalar _slope = Scalars.Constant(negativeSlope);

    public override Tensor forward(Tensor x) => x.leaky_relu(_slope);
}
