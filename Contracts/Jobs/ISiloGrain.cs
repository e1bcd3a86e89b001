namespace DistGen.Contracts.Jobs;

/// <summary>
/// One silo as a grain. Key: the silo's address in Orleans' parsable form; the activation always lives on that silo, so
/// a coordinator can free a finished job's tensors on every silo (not only its own), and an operator or a benchmark can
/// read each silo's store and resources.
/// </summary>
public interface ISiloGrain : IGrainWithStringKey
{
    /// <summary>Drops every tensor of the job from this silo's store; returns how many there were.</summary>
    Task<int> ReleaseJob(string jobId);

    /// <summary>What the silo's tensor store holds now.</summary>
    Task<TensorStoreUsage> GetStoreUsage();

    /// <summary>The silo process's memory and live libtorch tensors now.</summary>
    Task<SiloResources> GetResources();
}

/// <summary>A silo's tensor store at one moment: tensors, their bytes (float32) and the jobs they belong to.</summary>
[GenerateSerializer, Immutable]
public sealed record TensorStoreUsage(
    [property: Id(0)] int Tensors,
    [property: Id(1)] long Bytes,
    [property: Id(2)] IReadOnlyList<string> Jobs);

/// <summary>A silo process at one moment: resident memory, the managed heap and the libtorch tensors still alive.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloResources(
    [property: Id(0)] long ResidentBytes,
    [property: Id(1)] long ManagedHeapBytes,
    [property: Id(2)] long LiveTensors);
