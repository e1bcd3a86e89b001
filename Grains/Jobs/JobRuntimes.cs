using System.Collections.Concurrent;
using DistGen.Training.DataParallel;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>A job as this process runs it: the validated spec and its data-parallel workload (data loaded once).</summary>
public sealed record JobRuntime(LoadedJob Job, IDataParallelWorkload Workload);

/// <summary>
/// Per-process cache of job runtimes, shared by the coordinator, workers and shards that live in this silo:
/// the spec is parsed and the data set loaded once per process, not once per grain.
/// </summary>
public sealed class JobRuntimes
{
    private readonly ConcurrentDictionary<string, Lazy<JobRuntime>> _jobs = new();

    public JobRuntime Get(string jobId, string specJson) =>
        _jobs.GetOrAdd(jobId, _ => new Lazy<JobRuntime>(() => Create(specJson), LazyThreadSafetyMode.PublicationOnly)).Value;

    public void Release(string jobId) => _jobs.TryRemove(jobId, out _);

    /// <summary>Validates a spec for the cluster: it must parse and its workload must run as data-parallel rounds.</summary>
    public static LoadedJob ValidateForCluster(string specJson)
    {
        var job = SpecLoader.Parse(specJson);
        if (job.Workload.CreateDataParallel is null)
            throw new SpecException("$.workload", $"workload {job.Workload.Name} runs only with `distgen run SPEC --reference` in this version; " +
                $"the cluster runs: {string.Join(", ", WorkloadCatalog.Definitions.Where(d => d.CreateDataParallel is not null).Select(d => d.Name))}");
        return job;
    }

    private static JobRuntime Create(string specJson)
    {
        var job = ValidateForCluster(specJson);
        return new JobRuntime(job, job.Workload.CreateDataParallel!(job));
    }
}
