using DistGen.Grains.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>The one retry of storage calls: waits out an outage, names its deadline when it lasts longer, leaves conflicts to the caller.</summary>
public sealed class StorageRetryTests
{
    private static StorageRetry Retry(TimeSpan deadline) => new("test", deadline, "Section:Deadline", NullLogger.Instance);

    [Fact]
    public async Task A_call_is_retried_while_storage_fails_and_returns_once_it_answers()
    {
        int attempts = 0;
        await Retry(TimeSpan.FromSeconds(30)).RunAsync("write the list", _ => ++attempts <= 3 ? throw new TimeoutException("redis is down") : Task.CompletedTask);
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task An_outage_longer_than_the_deadline_ends_in_an_error_naming_the_setting_and_the_call()
    {
        int attempts = 0;
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<StorageOutageException>(() =>
            Retry(TimeSpan.FromSeconds(1)).RunAsync("write the list", _ => { attempts++; throw new TimeoutException("redis is down"); }));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.True(attempts > 1, $"{attempts} attempt(s)");
        Assert.Contains("Section:Deadline is 00:00:01", error.Message);
        Assert.Contains("could not write the list: redis is down", error.Message);
    }

    [Fact]
    public async Task An_etag_conflict_is_not_retried_but_left_to_the_caller()
    {
        int attempts = 0;
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            Retry(TimeSpan.FromSeconds(30)).RunAsync("write the list", _ => { attempts++; throw new InconsistentStateException("etag mismatch", "2", "1"); }));
        Assert.Equal(1, attempts);
    }
}
