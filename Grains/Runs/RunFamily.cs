using DistGen.Training.Core;

namespace DistGen.Grains.Runs;

/// <summary>
/// How the cluster runs the rounds of one kind of workload (data-parallel, split GAN, PPO): a family is known by the
/// type of its workload and makes the coordinator's run for it. Families are listed once, in <see cref="RunFamilies"/>.
/// </summary>
public abstract class RunFamily(string name)
{
    /// <summary>The family's name, for messages and the architecture document.</summary>
    public string Name { get; } = name;

    /// <summary>Whether this family runs <paramref name="workload"/>.</summary>
    public abstract bool Takes(IRoundWorkload workload);

    /// <summary>The coordinator's side of a run of this family.</summary>
    public abstract CoordinatedRun CreateRun(CoordinatedRunContext context);
}

/// <summary>The family of the workloads of type <typeparamref name="TWorkload"/>.</summary>
public sealed class RunFamily<TWorkload>(string name, Func<CoordinatedRunContext, TWorkload, CoordinatedRun> createRun) : RunFamily(name)
    where TWorkload : IRoundWorkload
{
    public override bool Takes(IRoundWorkload workload) => workload is TWorkload;

    public override CoordinatedRun CreateRun(CoordinatedRunContext context) => createRun(context, (TWorkload)context.Workload);
}
