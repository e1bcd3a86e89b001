using System.Collections.Concurrent;
using DistGen.Training.Core;
using DistGen.Training.Specs;

namespace DistGen.Grains.Runs;

/// <summary>A job as this process holds it: the validated spec, its run family and its round workload (data loaded once).</summary>
public sealed record JobWorkload(LoadedJob Job, RunFamily Family, IRoundWorkload Workload)
{
    /// <summary>The workload as the grains of its family use it.</summary>
    public T WorkloadAs<T>() where T : IRoundWorkload => Workload is T typed ? typed
        : throw new InvalidOperationException($"job {Job.Spec.Name}: workload {Workload.Name} is not a {typeof(T).Name}");
}

/// <summary>
/// Per-process cache of job workloads, shared by the coordinator, workers and shards that live in this silo:
/// the spec is parsed and the data set loaded once per process, not once per grain.
/// </summary>
public sealed class JobWorkloads
{
    private readonly ConcurrentDictionary<string, Lazy<JobWorkload>> _jobs = new();

    public JobWorkload Get(string jobId, string specJson) =>
        _jobs.GetOrAdd(jobId, _ => new Lazy<JobWorkload>(() => Create(specJson), LazyThreadSafetyMode.PublicationOnly)).Value;

    public void Release(string jobId) => _jobs.TryRemove(jobId, out _);

    /// <summary>The jobs whose workload this process holds now.</summary>
    public IReadOnlyCollection<string> Jobs => _jobs.Keys.ToList();

    /// <summary>Validates a spec for the cluster: it must parse and its workload must be one the cluster runs.</summary>
    public static LoadedJob ValidateForCluster(string specJson)
    {
        var job = SpecLoader.Parse(specJson);
        if (!RunFamilies.RunsOnCluster(job.Workload))
            throw new SpecException("$.workload", $"workload {job.Workload.Name} runs only with `distgen run SPEC --reference` in this version; " +
                $"the cluster runs: {string.Join(", ", RunFamilies.Workloads)}");
        return job;
    }

    private static JobWorkload Create(string specJson)
    {
        var job = ValidateForCluster(specJson);
        var workload = job.Workload.CreateRoundWorkload!(job);
        return new JobWorkload(job, RunFamilies.For(workload), workload);
    }
}
