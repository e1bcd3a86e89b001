using DistGen.Training.Specs;

namespace DistGen.Grains.Placement;

/// <summary>Refuses, at submission, a job that asks for more accelerators than the cluster's live silos advertise.</summary>
public static class AcceleratorAdmission
{
    /// <summary>The reason to refuse the job (a spec error with its JSON path), or null when the cluster can hold it.</summary>
    public static async Task<string?> RefusalAsync(ClusterSection cluster, string workload, IGrainFactory grains)
    {
        int perWorker = WorkerAccelerators.PerWorker(cluster);
        if (perWorker == 0) return null;
        var silos = await grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key).Silos();
        int total = silos.Sum(s => s.Count);
        int largest = silos.Count == 0 ? 0 : silos.Max(s => s.Count);
        // Name the field the demand came from, so the message points at what to change.
        string source = cluster.GpusPerWorker > 0 ? "$.cluster.gpusPerWorker" : "$.cluster.device";
        string from = cluster.GpusPerWorker > 0 ? $"gpusPerWorker {perWorker}" : $"device {cluster.Device} takes 1";
        string have = $"the cluster has {total} ({AcceleratorAwarePlacementDirector.Describe(silos)})";
        if (perWorker > largest)
            return new SpecError(source,
                $"each worker needs {perWorker} accelerator(s) on one silo ({from}) but the largest silo has {largest}; {have}").ToString();
        int needed = WorkerAccelerators.Total(cluster, workload);
        int members = WorkerAccelerators.MembersPerWorker(workload);
        string workers = members == 1 ? $"{cluster.Workers} workers" : $"{cluster.Workers} workers of {members} members (a generator and a discriminator)";
        if (needed > total)
            return new SpecError("$.cluster.workers",
                $"the job needs {needed} accelerators ({workers}, {from} each) but {have}; use fewer workers or add GPU silos").ToString();
        return null;
    }
}
