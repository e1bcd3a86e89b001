using DistGen.Grains.DataPlane;
using DistGen.Grains.Gan;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class TensorCheckTests
{
    [Fact]
    public void Fakes_of_the_wrong_element_type_are_refused_before_they_are_sent()
    {
        using var doubles = zeros(4, 2, dtype: ScalarType.Float64);
        var refused = Assert.Throws<RefusedTensorException>(() => TensorCheck.Outgoing(doubles, "fakes of generator worker 0"));
        Assert.Equal("refused fakes of generator worker 0: element type Float64, expected Float32", refused.Message);
        using var floats = ones(4, 2);
        Assert.Equal([4L, 2], TensorCheck.Outgoing(floats, "fakes").Shape);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_finite_values_are_refused_in_either_direction(float bad)
    {
        var values = new float[] { 1, 2, bad, 4 };
        var incoming = Assert.Throws<RefusedTensorException>(() => TensorCheck.Incoming(new TensorPayload([2, 2], values), [2, 2], "dL_G/dFake"));
        Assert.Contains("value 2 is", incoming.Message);
        using var gradients = tensor(values).reshape(2, 2);
        Assert.Throws<RefusedTensorException>(() => TensorCheck.Outgoing(gradients, "G's gradients"));
    }

    [Fact]
    public void A_gradient_of_the_wrong_shape_is_refused_with_both_shapes()
    {
        var refused = Assert.Throws<RefusedTensorException>(() => TensorCheck.Incoming(new TensorPayload([3], [1, 2, 3]), [4], "D's gradients of worker 1"));
        Assert.Equal("refused D's gradients of worker 1: shape [3] with 3 values, expected [4]", refused.Message);
    }

    [Fact]
    public async Task A_substep_that_keeps_getting_refused_tensors_fails_after_its_attempts_and_clears_each_one()
    {
        var options = new RoundOptions { Attempts = 3, RetryDelay = TimeSpan.Zero };
        var repeat = new RoundRepeat("job", options, new CoordinatorOptions(), NullLogger.Instance);
        int attempts = 0, abandoned = 0;
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => repeat.Run<int>("round 4 generator step",
            _ => { attempts++; throw new RefusedTensorException("refused G's gradients of worker 0: value 3 is NaN (not finite)"); },
            () => abandoned++, CancellationToken.None));
        Assert.Equal((3, 3), (attempts, abandoned));
        Assert.StartsWith("round 4 generator step failed 3 times in ", failed.Message);
        Assert.EndsWith("; last error: refused G's gradients of worker 0: value 3 is NaN (not finite)", failed.Message);
    }

    [Fact]
    public async Task A_substep_refused_once_is_repeated_and_then_succeeds()
    {
        var repeat = new RoundRepeat("job", new RoundOptions { Attempts = 3, RetryDelay = TimeSpan.Zero }, new CoordinatorOptions(), NullLogger.Instance);
        int attempts = 0;
        int result = await repeat.Run("round 1 discriminator substep 0",
            _ => ++attempts == 1 ? throw new RefusedTensorException("refused fakes") : Task.FromResult(42), () => { }, CancellationToken.None);
        Assert.Equal((42, 2), (result, attempts));
    }
}
