using DistGen.Training.Specs;

namespace DistGen.Grains.Placement;

/// <summary>How many accelerators each worker of a job asks for, from the spec's <c>cluster</c> section.</summary>
public static class WorkerAccelerators
{
    /// <summary>
    /// <c>gpusPerWorker</c> when set; otherwise one for a <c>cuda</c> or <c>cuda:N</c> device, which cannot run without
    /// a GPU; otherwise none (<c>cpu</c>, and <c>auto</c>, which takes a GPU only where one happens to be free of the ledger's care).
    /// </summary>
    public static int PerWorker(ClusterSection cluster) =>
        cluster.GpusPerWorker > 0 ? cluster.GpusPerWorker
        : cluster.Device.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? 1
        : 0;

    /// <summary>Accelerators the whole job holds while its workers are active.</summary>
    public static int Total(ClusterSection cluster) => PerWorker(cluster) * cluster.Workers;
}
