using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>Converts between the grains' <see cref="TensorKey"/> and the key message of the wire contract.</summary>
internal static class WireKey
{
    public static Wire.TensorKey ToWire(this TensorKey key) =>
        new() { Job = key.Job, Kind = key.Kind, Version = key.Version, Sender = key.Sender };

    public static TensorKey FromWire(Wire.TensorKey? wire) =>
        wire is null ? default : new(wire.Job, wire.Kind, wire.Version, wire.Sender);

    /// <summary>Why a key cannot name a tensor, or null when it can.</summary>
    public static string? Problem(TensorKey key) =>
        string.IsNullOrEmpty(key.Job) ? "the tensor key has no job"
        : string.IsNullOrEmpty(key.Kind) ? $"the tensor key {key} has no kind"
        : null;
}
