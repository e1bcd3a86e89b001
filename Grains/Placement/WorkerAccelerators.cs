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

    /// <summary>
    /// Members that each reserve accelerators, per worker of <c>cluster.workers</c>: two for a split GAN (a generator and a
    /// discriminator worker each), one otherwise (a data-parallel worker, a rollout actor).
    /// </summary>
    public static int MembersPerWorker(string workload) => workload == Training.Gan.SplitGanWorkload.WorkloadName ? 2 : 1;

    /// <summary>Accelerators the whole job holds while its members are active.</summary>
    public static int Total(ClusterSection cluster, string workload) => PerWorker(cluster) * cluster.Workers * MembersPerWorker(workload);
}
