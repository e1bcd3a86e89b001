using DistGen.Grains.Rl;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>The workload families the cluster runs; a job goes to the first family that takes it.</summary>
public static class ClusterRuns
{
    public static IReadOnlyList<IJobRunFactory> Families { get; } = [new DataParallelRunFactory(), new Gan.GanRunFactory(), new PpoRunFactory()];

    /// <summary>The family that runs <paramref name="workload"/> on the cluster, or null when only the reference trainer does.</summary>
    public static IJobRunFactory? For(WorkloadDefinition workload) => Families.FirstOrDefault(f => f.CanRun(workload));

    /// <summary>The workloads the cluster runs, by name, for messages.</summary>
    public static IEnumerable<string> Workloads => WorkloadCatalog.Definitions.Where(d => For(d) is not null).Select(d => d.Name);
}
