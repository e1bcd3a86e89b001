using DistGen.Grains.Jobs;
using DistGen.Training.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>The coordinator's record writes against a storage that fails, recovers, and is written by someone else.</summary>
public sealed class JobRecordStoreTests
{
    private static readonly CoordinatorOptions Options = new() { OutageDeadline = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task Writes_are_retried_while_storage_is_unreachable_and_land_when_it_is_back()
    {
        var storage = new FlakyStorage { Stored = new JobRecord { Lease = 1 } };
        var store = new JobRecordStore(storage, Options, NullLogger.Instance, "job") { HeldLease = 1 };
        await store.RefreshAsync();
        storage.FailuresLeft = 4;

        Assert.True(await store.WriteAsync(r => r.Round = 7));

        Assert.Equal(7, storage.Stored.Round);
        Assert.Equal(5, storage.Writes);
    }

    [Fact]
    public async Task An_outage_longer_than_the_deadline_ends_in_a_named_error()
    {
        var storage = new FlakyStorage { FailuresLeft = int.MaxValue };
        var store = new JobRecordStore(storage, Options, NullLogger.Instance, "job");
        var error = await Assert.ThrowsAsync<StorageOutageException>(() => store.WriteAsync(r => r.Round = 7));
        Assert.Contains("Coordinator:OutageDeadline", error.Message);
        Assert.Contains("redis is down", error.Message);
    }

    [Fact]
    public async Task A_conflict_caused_by_our_own_late_write_is_written_again_but_a_newer_lease_supersedes_us()
    {
        var storage = new FlakyStorage { Stored = new JobRecord { Lease = 2, Round = 3 } };
        var store = new JobRecordStore(storage, Options, NullLogger.Instance, "job") { HeldLease = 2 };
        await store.RefreshAsync();

        // Our own earlier write landed after a timeout: same lease in the stored record, so the change is applied again.
        storage.ChangeBehindOurBack(r => r.Round = 4);
        Assert.True(await store.WriteAsync(r => r.Round = 5));
        Assert.Equal(5, storage.Stored!.Round);

        // Another activation took lease 3: we are superseded and write nothing.
        storage.ChangeBehindOurBack(r => r.Lease = 3);
        await Assert.ThrowsAsync<SupersededRunException>(() => store.WriteAsync(r => r.Round = 6));
        Assert.Equal(5, storage.Stored!.Round);
    }

    [Fact]
    public async Task Claiming_without_a_lease_fails_on_a_conflict_instead_of_overwriting()
    {
        var storage = new FlakyStorage { Stored = new JobRecord { Lease = 1 } };
        var store = new JobRecordStore(storage, Options, NullLogger.Instance, "job");
        await store.RefreshAsync();
        storage.ChangeBehindOurBack(r => r.Lease = 2);

        Assert.False(await store.WriteAsync(r => r.Lease = 2));
        Assert.Equal(2, store.State.Lease);
    }

    /// <summary>Storage with ETags that can fail the next writes and be changed by "another activation".</summary>
    private sealed class FlakyStorage : IPersistentState<JobRecord>
    {
        private int _version;
        public JobRecord? Stored { get; set; }
        public int FailuresLeft { get; set; }
        public int Writes { get; private set; }
        public JobRecord State { get; set; } = new();
        public string? Etag { get; private set; }
        public bool RecordExists => Etag is not null;

        public void ChangeBehindOurBack(Action<JobRecord> change)
        {
            change(Stored!);
            _version++;
        }

        public Task ReadStateAsync()
        {
            State = Copy(Stored ?? new JobRecord());
            Etag = Stored is null ? null : _version.ToString();
            return Task.CompletedTask;
        }

        public Task WriteStateAsync()
        {
            Writes++;
            if (FailuresLeft-- > 0) throw new TimeoutException("redis is down");
            if (Stored is not null && Etag != _version.ToString()) throw new InconsistentStateException("etag mismatch", _version.ToString(), Etag);
            Stored = Copy(State);
            Etag = (++_version).ToString();
            return Task.CompletedTask;
        }

        public Task ClearStateAsync() => throw new NotSupportedException();

        private static JobRecord Copy(JobRecord r) => new() { Lease = r.Lease, Round = r.Round, State = r.State };
    }
}
