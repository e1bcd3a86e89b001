namespace DistGen.Contracts.Jobs;

/// <summary>
/// One silo's tensor store as the cluster sees it. Key: the silo's address in Orleans' parsable form; the activation
/// always lives on that silo, so a coordinator can free a finished job's tensors on every silo, not only its own.
/// </summary>
public interface ISiloTensorStoreGrain : IGrainWithStringKey
{
    /// <summary>Drops every tensor of the job from this silo's store; returns how many there were.</summary>
    Task<int> ReleaseJob(string jobId);

    /// <summary>What the store holds now.</summary>
    Task<TensorStoreUsage> GetUsage();
}

/// <summary>A silo's tensor store at one moment: tensors, their bytes (float32) and the jobs they belong to.</summary>
[GenerateSerializer, Immutable]
public sealed record TensorStoreUsage(
    [property: Id(0)] int Tensors,
    [property: Id(1)] long Bytes,
    [property: Id(2)] IReadOnlyList<string> Jobs);
