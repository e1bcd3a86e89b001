using DistGen.Training.Core;

namespace DistGen.Training.Specs;

/// <summary>A kind of job DistGen can train: its data sets, its options types and how to build its reference trainer.</summary>
public sealed record WorkloadDefinition
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<string> DataSets { get; init; }
    public required Type ModelOptionsType { get; init; }
    public required Type TrainingOptionsType { get; init; }
    public required Func<LoadedJob, IReferenceTrainer> CreateReferenceTrainer { get; init; }
    /// <summary>
    /// libtorch intra-op threads when the spec leaves cluster.threads at 0. Tiny networks (CartPole MLPs, 2-D GANs) run
    /// faster on one thread: their ops are too small to split, and a second thread only adds synchronisation.
    /// </summary>
    public Func<LoadedJob, int> DefaultThreads { get; init; } = _ => Environment.ProcessorCount;
    /// <summary>
    /// The job's workload as the cluster runs it, round by round (a data-parallel, split-GAN or PPO workload; its type
    /// picks the run family, Grains/Runs/RunFamilies.cs); null where only the reference trainer runs it.
    /// </summary>
    public Func<LoadedJob, IRoundWorkload>? CreateRoundWorkload { get; init; }
    /// <summary>
    /// Whether the cluster sums the job's workers' gradients in groups (cluster.gradientGroups) before they reach the
    /// coordinator: the data-parallel workloads (Training/DataParallel/GradientGroups.cs).
    /// </summary>
    public bool SumsGradientGroups { get; init; }
    /// <summary>
    /// How many parameters the job's networks have together (generator and discriminator for a GAN), computed from the
    /// spec without building them: what admission judges a job's memory by (Grains/Placement/MemoryAdmission.cs).
    /// </summary>
    public Func<LoadedJob, long> ParameterCount { get; init; } = _ => 0;
    /// <summary>Checks across sections (e.g. a batch larger than the data); adds errors with paths.</summary>
    public Action<LoadedJob, List<SpecError>>? CrossCheck { get; init; }

    public static WorkloadDefinition Create<TModel, TTraining>(string name, string description, IReadOnlyList<string> dataSets,
        Func<LoadedJob, TModel, TTraining, IReferenceTrainer> createReferenceTrainer,
        Action<LoadedJob, TModel, TTraining, List<SpecError>>? crossCheck = null,
        Func<LoadedJob, int>? defaultThreads = null)
        where TModel : class, new() where TTraining : class, new() => new()
    {
        DefaultThreads = defaultThreads ?? (_ => Environment.ProcessorCount),
        Name = name,
        Description = description,
        DataSets = dataSets,
        ModelOptionsType = typeof(TModel),
        TrainingOptionsType = typeof(TTraining),
        CreateReferenceTrainer = job => createReferenceTrainer(job, (TModel)job.Model, (TTraining)job.Training),
        CrossCheck = crossCheck is null ? null : (job, errors) => crossCheck(job, (TModel)job.Model, (TTraining)job.Training, errors),
    };
}

/// <summary>A spec that passed validation, with its workload and bound option objects.</summary>
public sealed record LoadedJob(JobSpec Spec, WorkloadDefinition Workload, object Model, object Training, string SourceJson)
{
    /// <summary>The libtorch thread count this job runs with: the spec's, or the workload's default.</summary>
    public int Threads => Spec.Cluster.Threads > 0 ? Spec.Cluster.Threads : Workload.DefaultThreads(this);

    /// <summary>The job's workload as the cluster runs it, typed as the caller expects.</summary>
    public T CreateRoundWorkload<T>() where T : IRoundWorkload =>
        Workload.CreateRoundWorkload?.Invoke(this) is T typed ? typed
            : throw new InvalidOperationException($"workload {Workload.Name} does not run on the cluster as a {typeof(T).Name}");
}
