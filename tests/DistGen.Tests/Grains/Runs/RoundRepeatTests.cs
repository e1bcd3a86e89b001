using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistGen.Tests.Grains.Runs;

public sealed class RoundRepeatTests
{
    private static RoundRepeat Repeat(int attempts, TimeSpan outageDeadline) =>
        new("job", new RoundOptions { Attempts = attempts, RetryDelay = TimeSpan.FromMilliseconds(1) },
            new CoordinatorOptions { OutageDeadline = outageDeadline }, NullLogger.Instance);

    [Fact]
    public async Task Workers_that_stay_unreachable_are_retried_past_the_attempt_count_until_the_outage_deadline()
    {
        int attempts = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => Repeat(2, TimeSpan.FromSeconds(1)).Run<int>("round 3",
            _ => { attempts++; throw new TimeoutException("worker 1 did not answer"); }, () => { }, CancellationToken.None));
        Assert.True(attempts > 2, $"{attempts} attempts");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"gave up after {clock.Elapsed}");
        Assert.Contains("last error: worker 1 did not answer", failed.Message);
    }

    [Fact]
    public async Task An_outage_that_ends_before_the_deadline_lets_the_round_succeed()
    {
        int attempts = 0;
        int result = await Repeat(2, TimeSpan.FromMinutes(1)).Run("round 3", _ => ++attempts < 6
            ? throw DataPlaneFailure.From(new RpcException(new Status(StatusCode.Unavailable, "silo 2 unreachable")))
            : Task.FromResult(7), () => { }, CancellationToken.None);
        Assert.Equal((7, 6), (result, attempts));
    }

    [Fact]
    public async Task A_fault_that_repeats_itself_fails_after_the_attempt_count_without_waiting_for_the_deadline()
    {
        int attempts = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Repeat(3, TimeSpan.FromHours(1)).Run<int>("round 3",
            _ => { attempts++; throw new InvalidOperationException("data set kjv is missing on this silo"); }, () => { }, CancellationToken.None));
        Assert.Equal(3, attempts);
    }

    [Theory]
    [InlineData("data plane: Unavailable: connection refused", true)]
    [InlineData("data plane: DeadlineExceeded: call timed out", true)]
    [InlineData("data plane: Unauthenticated: wrong cluster secret", false)]
    [InlineData("data plane: DataLoss: CRC mismatch", false)]
    [InlineData("worker 0 reported round 3 done but its gradient is not in the store", false)]
    public void Data_plane_failures_are_transient_only_when_waiting_can_fix_them(string message, bool transient) =>
        Assert.Equal(transient, TransientFaults.IsTransient(new InvalidOperationException(message)));
}
