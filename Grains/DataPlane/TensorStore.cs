using DistGen.Contracts.Jobs;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// One silo's tensors, bounded by a byte budget (float32 bytes). Puts are idempotent by key; a job keeps its
/// current and previous parameter versions (<see cref="Retire"/>); a consumed tensor leaves (<see cref="TryTake"/>).
/// Payloads are stored and handed out by reference: they are immutable once stored. Tensors received from other silos
/// (<see cref="Reserve"/>, then commit) are counted, so the traffic into a silo can be read. Thread-safe.
/// </summary>
public sealed class TensorStore(long budgetBytes)
{
    private readonly Dictionary<TensorKey, TensorPayload> _tensors = [];
    private readonly Lock _lock = new();
    private long _storedBytes;
    private long _reservedBytes;
    private long _receivedTensors;
    private long _receivedBytes;

    /// <summary>The byte budget.</summary>
    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>Bytes of the stored tensors.</summary>
    public long StoredBytes
    {
        get { lock (_lock) return _storedBytes; }
    }

    /// <summary>Number of stored tensors.</summary>
    public int Count
    {
        get { lock (_lock) return _tensors.Count; }
    }

    /// <summary>Tensors other silos have pushed into this store since it started (over the network, not in memory).</summary>
    public long ReceivedTensors
    {
        get { lock (_lock) return _receivedTensors; }
    }

    /// <summary>Bytes of the tensors other silos have pushed into this store since it started.</summary>
    public long ReceivedBytes
    {
        get { lock (_lock) return _receivedBytes; }
    }

    /// <summary>Bytes a payload occupies in the store.</summary>
    public static long SizeOf(TensorPayload payload) => (long)payload.Data.Length * sizeof(float);

    /// <summary>Stores a tensor; false (and nothing changes) when the key is already stored.</summary>
    /// <exception cref="TensorStoreFullException">It does not fit in the budget.</exception>
    public bool TryAdd(TensorKey key, TensorPayload payload)
    {
        long bytes = SizeOf(payload);
        lock (_lock)
        {
            if (_tensors.ContainsKey(key)) return false;
            EnsureRoom(key, bytes);
            _tensors.Add(key, payload);
            _storedBytes += bytes;
            return true;
        }
    }

    /// <summary>True when the key is stored.</summary>
    public bool Contains(TensorKey key)
    {
        lock (_lock) return _tensors.ContainsKey(key);
    }

    /// <summary>The stored tensor of a key, left in the store.</summary>
    public bool TryGet(TensorKey key, out TensorPayload? payload)
    {
        lock (_lock) return _tensors.TryGetValue(key, out payload);
    }

    /// <summary>Removes and returns the tensor of a key (a consumed gradient).</summary>
    public bool TryTake(TensorKey key, out TensorPayload? payload)
    {
        lock (_lock)
        {
            if (!_tensors.Remove(key, out payload)) return false;
            _storedBytes -= SizeOf(payload);
            return true;
        }
    }

    /// <summary>Drops every tensor of a job whose version is below <c>currentVersion - 1</c>.</summary>
    public int Retire(string job, long currentVersion) =>
        RemoveWhere(key => key.Job == job && key.Version < currentVersion - 1);

    /// <summary>Drops the tensors of one kind of a job whose version is below <c>currentVersion - 1</c>.</summary>
    public int RetireKind(string job, string kind, long currentVersion) =>
        RemoveWhere(key => key.Job == job && key.Kind == kind && key.Version < currentVersion - 1);

    /// <summary>Drops every tensor of a job.</summary>
    public int ReleaseJob(string job) => RemoveWhere(key => key.Job == job);

    /// <summary>What the store holds now: tensors, bytes and the jobs they belong to.</summary>
    public TensorStoreUsage Usage()
    {
        lock (_lock)
            return new TensorStoreUsage(_tensors.Count, _storedBytes, _tensors.Keys.Select(k => k.Job).Distinct().Order(StringComparer.Ordinal).ToList(),
                _receivedTensors, _receivedBytes);
    }

    /// <summary>
    /// Holds room for a tensor that is being received, so that a stream is refused at its first chunk rather than
    /// after its last. Dispose the reservation when the tensor is stored or abandoned.
    /// </summary>
    /// <exception cref="TensorStoreFullException">It does not fit in the budget.</exception>
    public Reservation Reserve(TensorKey key, long bytes)
    {
        lock (_lock)
        {
            EnsureRoom(key, bytes);
            _reservedBytes += bytes;
        }
        return new Reservation(this, bytes);
    }

    private void EnsureRoom(TensorKey key, long bytes)
    {
        long used = _storedBytes + _reservedBytes;
        if (bytes > BudgetBytes - used) throw new TensorStoreFullException(key, bytes, used, BudgetBytes);
    }

    private int RemoveWhere(Func<TensorKey, bool> predicate)
    {
        lock (_lock)
        {
            var doomed = _tensors.Keys.Where(predicate).ToList();
            foreach (var key in doomed)
            {
                _tensors.Remove(key, out var payload);
                _storedBytes -= SizeOf(payload!);
            }
            return doomed.Count;
        }
    }

    /// <summary>Room held in the budget for a tensor in transit.</summary>
    public sealed class Reservation(TensorStore store, long bytes) : IDisposable
    {
        private bool _open = true;

        /// <summary>Stores the received tensor in the reserved room; false when the key arrived meanwhile (duplicate).</summary>
        public bool Commit(TensorKey key, TensorPayload payload)
        {
            lock (store._lock)
            {
                Release();
                if (store._tensors.ContainsKey(key)) return false;
                store._tensors.Add(key, payload);
                store._storedBytes += SizeOf(payload);
                store._receivedTensors++;
                store._receivedBytes += SizeOf(payload);
                return true;
            }
        }

        /// <summary>Gives the room back unless it was committed.</summary>
        public void Dispose()
        {
            lock (store._lock) Release();
        }

        private void Release()
        {
            if (!_open) return;
            _open = false;
            store._reservedBytes -= bytes;
        }
    }
}
