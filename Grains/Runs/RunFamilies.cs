using DistGen.Grains.DataParallel;
using DistGen.Grains.Gan;
using DistGen.Grains.Rl;
using DistGen.Grains.Rlhf;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Gan;
using DistGen.Training.Rl;
using DistGen.Training.Rlhf;
using DistGen.Training.Specs;

namespace DistGen.Grains.Runs;

/// <summary>
/// The run families of the cluster, the one place a new family is registered (docs/architecture.md, "Adding a workload
/// family"). A workload whose definition makes a round workload runs on the cluster; its type picks the family.
/// </summary>
public static class RunFamilies
{
    public static IReadOnlyList<RunFamily> All { get; } =
    [
        new RunFamily<IDataParallelWorkload>("data-parallel", (context, workload) => new DataParallelRun(context, workload)),
        new RunFamily<SplitGanWorkload>("split GAN", (context, workload) => new GanRun(context, workload)),
        new RunFamily<PpoWorkload>("PPO", (context, workload) => new PpoRun(context, workload)),
        new RunFamily<RlhfWorkload>("RLHF", (context, workload) => new RlhfRun(context, workload)),
    ];

    /// <summary>The family that runs <paramref name="workload"/>.</summary>
    public static RunFamily For(IRoundWorkload workload) => All.FirstOrDefault(f => f.Takes(workload))
        ?? throw new InvalidOperationException($"no run family takes workload {workload.Name} ({workload.GetType().Name}): register one in {nameof(RunFamilies)}");

    /// <summary>Whether the cluster runs <paramref name="workload"/>, or only the reference trainer does.</summary>
    public static bool RunsOnCluster(WorkloadDefinition workload) => workload.CreateRoundWorkload is not null;

    /// <summary>The workloads the cluster runs, by name, for messages.</summary>
    public static IEnumerable<string> Workloads => WorkloadCatalog.Definitions.Where(RunsOnCluster).Select(d => d.Name);
}
