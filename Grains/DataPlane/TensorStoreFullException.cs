namespace DistGen.Grains.DataPlane;

/// <summary>A tensor did not fit in the store's byte budget (<see cref="DataPlaneOptions.MaxStoreBytes"/>).</summary>
public sealed class TensorStoreFullException(TensorKey key, long bytes, long usedBytes, long budgetBytes)
    : InvalidOperationException(
        $"tensor store budget of {budgetBytes} bytes exceeded by key {key} ({bytes} bytes, {usedBytes} already in use): " +
        "raise DataPlane:MaxStoreBytes, or lower the model size or the number of tensors in flight per silo")
{
    public TensorKey Key { get; } = key;
}
