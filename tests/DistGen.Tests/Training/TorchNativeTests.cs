using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training;

public sealed class TorchNativeTests
{
    [Fact]
    public void Native_library_loads_and_backprop_works()
    {
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.data<float>().ToArray());
    }
}
