using DistGen.Grains.DataPlane;
using DistGen.Grains.Runs;

namespace DistGen.Tests.Grains.Runs;

public sealed class RoundFaultsTests
{
    [Fact]
    public void Failed_attempts_are_counted_and_refused_tensors_among_them_also_when_wrapped()
    {
        var faults = new RoundFaults(repeated: 2, refused: 1);

        faults.Failed(new TimeoutException("a worker was slow"));
        faults.Failed(new InvalidOperationException("round 3", new AggregateException(new IOException(), new RefusedTensorException("refused fakes"))));
        faults.Failed(new RefusedTensorException("refused gradient"));

        Assert.Equal(5, faults.RepeatedAttempts);
        Assert.Equal(3, faults.RefusedTensors);
    }

    [Fact]
    public async Task The_round_repeat_counts_each_failed_attempt_and_not_a_cancellation()
    {
        var faults = new RoundFaults();
        var repeat = new RoundRepeat("job", new DistGen.Grains.Jobs.RoundOptions { Attempts = 5, RetryDelay = TimeSpan.FromMilliseconds(1) },
            new DistGen.Grains.Jobs.CoordinatorOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, faults);
        int attempts = 0;

        int result = await repeat.Run("round 1", _ => ++attempts switch
        {
            1 => throw new RefusedTensorException("refused fakes"),
            2 => throw new TimeoutException("slow"),
            _ => Task.FromResult(attempts),
        }, () => { }, CancellationToken.None);

        Assert.Equal(3, result);
        Assert.Equal((2L, 1L), (faults.RepeatedAttempts, faults.RefusedTensors));
        using var cancelled = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => repeat.Run<int>("round 2",
            _ => { cancelled.Cancel(); throw new OperationCanceledException(cancelled.Token); }, () => { }, cancelled.Token));
        Assert.Equal(2L, faults.RepeatedAttempts);
    }
}
