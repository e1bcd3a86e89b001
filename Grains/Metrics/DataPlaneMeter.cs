using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using DistGen.Grains.DataPlane;

namespace DistGen.Grains.Metrics;

/// <summary>
/// The data plane's metrics (meter <c>DistGen.DataPlane</c>, exported at <c>/metrics</c>): tensors and wire bytes this
/// silo pushed, pulled and served, how long its calls took, retries, the circuit breaker of each peer, the tensor store,
/// and tensors the runs refused. Labels are bounded: the call (push, pull), the side (sent, received), the outcome, the
/// refusal's reason, and for the breaker the peer's data-plane endpoint (one per silo of the cluster).
/// </summary>
public static class DataPlaneMeter
{
    public const string Name = "DistGen.DataPlane";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Tensors = Meter.CreateCounter<long>("distgen.dataplane.tensors", "{tensor}",
        "Tensors this silo moved over gRPC (call: push or pull; side: sent or received)");

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("distgen.dataplane.bytes", "By",
        "Wire bytes of tensor data this silo moved over gRPC (call: push or pull; side: sent or received)");

    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram("distgen.dataplane.call.duration", "s",
        "Duration of this silo's outgoing data-plane calls, retries included (call: push or pull; outcome: ok or error)", null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60] });

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("distgen.dataplane.retries", "{retry}",
        "Data-plane calls this silo repeated after a transient failure");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("distgen.refused.tensors", "{tensor}",
        "Tensors a run refused (reason: shape, dtype or not_finite); the round or substep is repeated");

    private static readonly ConcurrentDictionary<string, int> OpenCircuits = new(StringComparer.OrdinalIgnoreCase);

    // Every store of this process (one per silo; tests and benches run several silos in one process).
    private static readonly ConditionalWeakTable<TensorStore, object?> Stores = new();

    static DataPlaneMeter()
    {
        Meter.CreateObservableGauge("distgen.dataplane.circuit.open", () => OpenCircuits.Select(c => new Measurement<int>(c.Value, [new("peer", c.Key)])),
            null, "1 while this silo's circuit breaker to a peer's data plane is open or half-open, 0 once it closed again");
        Meter.CreateObservableGauge("distgen.dataplane.store.bytes", () => Stores.Sum(s => s.Key.StoredBytes), "By",
            "Bytes of tensors in this silo's store");
        Meter.CreateObservableGauge("distgen.dataplane.store.tensors", () => Stores.Sum(s => (long)s.Key.Count), "{tensor}",
            "Tensors in this silo's store");
    }

    /// <summary>Includes a store in the store gauges.</summary>
    public static void Observe(TensorStore store) => Stores.AddOrUpdate(store, null);

    /// <summary>An outgoing call ended: its duration, and on success the tensor it moved.</summary>
    public static void Called(string call, TimeSpan duration, long? wireBytes)
    {
        var callTag = new KeyValuePair<string, object?>("call", call);
        CallDuration.Record(duration.TotalSeconds, callTag, new KeyValuePair<string, object?>("outcome", wireBytes is null ? "error" : "ok"));
        if (wireBytes is { } bytes) Moved(call, call == "push" ? "sent" : "received", bytes);
    }

    /// <summary>This silo served a call of another silo: a pushed tensor it stored, or a tensor it sent for a pull.</summary>
    public static void Served(string call, long wireBytes) => Moved(call, call == "push" ? "received" : "sent", wireBytes);

    public static void Retried() => Retries.Add(1);

    public static void CircuitChanged(string peer, bool open) => OpenCircuits[peer] = open ? 1 : 0;

    public static void RefusedTensor(string reason) => Refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static void Moved(string call, string side, long bytes)
    {
        KeyValuePair<string, object?>[] tags = [new("call", call), new("side", side)];
        Tensors.Add(1, tags);
        Bytes.Add(bytes, tags);
    }
}
