using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Core;

public sealed class ParameterVectorTests
{
    private static nn.Module<Tensor, Tensor> SmallNet(long seed)
    {
        return Seeding.Build(seed, () => nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2)));
    }

    [Fact]
    public void Flatten_then_assign_round_trips_bit_exactly()
    {
        var source = SmallNet(1);
        var target = SmallNet(2);
        var flat = ParameterVector.Flatten(source.parameters());
        Assert.Equal(3 * 5 + 5 + 5 * 2 + 2, flat.Length);
        Assert.NotEqual(flat, ParameterVector.Flatten(target.parameters()));

        ParameterVector.Assign(target.parameters(), flat);

        Assert.Equal(flat, ParameterVector.Flatten(target.parameters()));
        foreach (var (a, b) in source.parameters().Zip(target.parameters()))
            Assert.True(a.allclose(b, rtol: 0, atol: 0));
    }

    [Fact]
    public void Gradients_flatten_in_parameter_order_and_assign_back()
    {
        var net = SmallNet(3);
        net.forward(ones(4, 3)).sum().backward();
        var grads = ParameterVector.FlattenGradients(net.parameters());
        var firstWeightGrad = net.parameters().First().grad!.detach().flatten().data<float>().ToArray();
        Assert.Equal(firstWeightGrad, grads.Take(15));

        var other = SmallNet(3);
        ParameterVector.AssignGradients(other.parameters(), grads);
        Assert.Equal(grads, ParameterVector.FlattenGradients(other.parameters()));
    }

    [Fact]
    public void Assign_rejects_a_buffer_of_the_wrong_length()
    {
        var net = SmallNet(4);
        var error = Assert.Throws<ArgumentException>(() => ParameterVector.Assign(net.parameters(), new float[7]));
        Assert.Contains("7 floats", error.Message);
    }

    [Fact]
    public void Assign_gradients_creates_missing_gradients_and_overwrites_existing_ones()
    {
        var net = SmallNet(5);
        var first = Enumerable.Range(0, 32).Select(i => i * 0.25f).ToArray();
        ParameterVector.AssignGradients(net.parameters(), first);
        Assert.Equal(first, ParameterVector.FlattenGradients(net.parameters()));
        var second = first.Select(v => -v).ToArray();
        ParameterVector.AssignGradients(net.parameters(), second);
        Assert.Equal(second, ParameterVector.FlattenGradients(net.parameters()));
    }

    [Fact]
    public void Flatten_reads_a_non_contiguous_parameter_in_row_major_order()
    {
        var net = SmallNet(6);
        var weight = net.parameters().First();
        using (no_grad()) weight.set_(weight.detach().t().contiguous().t());
        Assert.False(weight.is_contiguous());
        var expected = weight.detach().contiguous().flatten().data<float>().ToArray();
        Assert.Equal(expected, ParameterVector.Flatten(net.parameters()).Take(15));
    }

    [Fact]
    public void Flatten_into_a_buffer_of_the_wrong_length_is_refused()
    {
        var net = SmallNet(7);
        Assert.Throws<ArgumentException>(() => ParameterVector.FlattenInto(net.parameters(), new float[31]));
    }
}
