namespace DistGen.Contracts.Jobs;

/// <summary>
/// One silo as a grain. Key: the silo's address in Orleans' parsable form; the activation always lives on that silo, so
/// a coordinator can free a finished job's tensors on every silo (not only its own), and an operator or a benchmark can
/// read each silo's store and resources.
/// </summary>
public interface ISiloGrain : IGrainWithStringKey
{
    /// <summary>Drops every tensor of the job from this silo's store, and the job's workload (its data) cached in this process; returns how many tensors there were.</summary>
    Task<int> ReleaseJob(string jobId);

    /// <summary>What the silo's tensor store holds now.</summary>
    Task<TensorStoreUsage> GetStoreUsage();

    /// <summary>The silo process's memory and live libtorch tensors now.</summary>
    Task<SiloResources> GetResources();

    /// <summary>This silo's data-plane address, as other silos reach it (DataPlane:AdvertisedEndpoint or the bound port).</summary>
    Task<string> GetDataPlaneEndpoint();
}

/// <summary>
/// A silo's tensor store at one moment: tensors, their bytes (float32) and the jobs they belong to; and the tensors and
/// bytes other silos have pushed into it over the network since the silo started.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TensorStoreUsage(
    [property: Id(0)] int Tensors,
    [property: Id(1)] long Bytes,
    [property: Id(2)] IReadOnlyList<string> Jobs,
    [property: Id(3)] long ReceivedTensors = 0,
    [property: Id(4)] long ReceivedBytes = 0);

/// <summary>
/// A silo process at one moment: resident memory, native heap in use (glibc's count of malloc'd bytes, where libtorch's
/// CPU tensors live; -1 where unknown), the managed heap, and TorchSharp's count of live tensors. TorchSharp 0.107 never
/// takes a parameter built with <c>new Parameter(tensor)</c> off that count (its constructor moves the tensor's handle
/// without decrementing it), so the count also grows by the parameters of every model built; it is exact between builds.
/// Also what the silo offers a job: the memory the process may use (the machine's, or its container's limit, as the
/// .NET runtime reads it) and its tensor store's budget (DataPlane:MaxStoreBytes).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SiloResources(
    [property: Id(0)] long ResidentBytes,
    [property: Id(1)] long NativeHeapBytes,
    [property: Id(2)] long ManagedHeapBytes,
    [property: Id(3)] long LiveTensors,
    [property: Id(4)] long MemoryLimitBytes,
    [property: Id(5)] long StoreBudgetBytes);
