using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace DistGen.Tests.Grains;

/// <summary>
/// Grain storage shared by every silo of this test process and kept when a silo stops, as Redis is for a real
/// cluster (Orleans' memory storage keeps state in grains, which are lost with their silo). ETags are checked, so a
/// superseded writer gets <see cref="InconsistentStateException"/> exactly as with Redis. Entries are kept per
/// cluster (service id), so the clusters of one test process do not see each other's state.
/// </summary>
public sealed class ProcessWideGrainStorage(Serializer serializer, IOptions<ClusterOptions> cluster) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, (byte[] State, string ETag)> Entries = new();
    private static readonly List<StorageOutage> Outages = [];

    /// <summary>Makes every read and write fail, as an unreachable Redis would, until the result is disposed.</summary>
    public static StorageOutage Outage() => Outage(null);

    /// <summary>Makes the reads and writes of one kind of state fail (e.g. "registry", "accelerators") until the result is disposed.</summary>
    public static StorageOutage Outage(string? stateName)
    {
        var outage = new StorageOutage(stateName);
        lock (Outages) Outages.Add(outage);
        return outage;
    }

    /// <summary>An outage of the storage, or of one kind of state (null: all of it), until disposed; counts the calls it refused.</summary>
    public sealed class StorageOutage(string? stateName) : IDisposable
    {
        private int _refused;

        /// <summary>How many reads and writes it refused.</summary>
        public int Refused => Volatile.Read(ref _refused);

        internal bool Refuses(string state)
        {
            if (stateName is not null && stateName != state) return false;
            Interlocked.Increment(ref _refused);
            return true;
        }

        public void Dispose()
        {
            lock (Outages) Outages.Remove(this);
        }
    }

    private static void ThrowDuringOutage(string stateName)
    {
        bool refused;
        lock (Outages) refused = Outages.Count(o => o.Refuses(stateName)) > 0;
        if (refused) throw new TimeoutException("job storage is unreachable (a test's outage)");
    }

    /// <summary>The stored state of one grain as written last, whatever cluster wrote it (grain ids in tests are unique).</summary>
    public static byte[]? Stored(string stateName, GrainId grainId)
    {
        var suffix = $"/{stateName}/{grainId}";
        lock (Entries) return Entries.FirstOrDefault(e => e.Key.EndsWith(suffix, StringComparison.Ordinal)).Value.State;
    }

    private string KeyOf(string stateName, GrainId grainId) => $"{cluster.Value.ServiceId}/{cluster.Value.ClusterId}/{stateName}/{grainId}";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowDuringOutage(stateName);
        if (Entries.TryGetValue(KeyOf(stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.State);
            (grainState.ETag, grainState.RecordExists) = (entry.ETag, true);
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowDuringOutage(stateName);
        var key = KeyOf(stateName, grainId);
        var written = (serializer.SerializeToArray(grainState.State), Guid.NewGuid().ToString("N"));
        lock (Entries)
        {
            var current = Entries.TryGetValue(key, out var entry) ? entry.ETag : null;
            if (current != grainState.ETag)
                throw new InconsistentStateException($"{key}: stored ETag {current ?? "(none)"}, written with {grainState.ETag ?? "(none)"}", current, grainState.ETag);
            Entries[key] = written;
        }
        (grainState.ETag, grainState.RecordExists) = (written.Item2, true);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (Entries) Entries.TryRemove(KeyOf(stateName, grainId), out _);
        (grainState.ETag, grainState.RecordExists) = (null, false);
        return Task.CompletedTask;
    }
}
