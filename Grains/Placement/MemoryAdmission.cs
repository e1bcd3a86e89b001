using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;
using DistGen.Training.Specs;

namespace DistGen.Grains.Placement;

/// <summary>
/// Refuses, at submission, a job whose networks cannot fit in what the cluster's silos offer, before any memory is
/// taken: a 128-layer, d=8192 char-LM with 256 workers would otherwise be accepted and then exhaust the silos.
/// The estimate counts float32 parameters (<see cref="WorkloadDefinition.ParameterCount"/>) where the design keeps
/// copies of them; activations and data are not counted, so it is a floor, not a promise.
/// </summary>
public static class MemoryAdmission
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The reason to refuse the job (a spec error with its JSON path), or null when the silos can hold it.</summary>
    public static async Task<string?> RefusalAsync(LoadedJob job, IGrainFactory grains, IEnumerable<SiloAddress> activeSilos) =>
        RefusalAgainst(job, await OffersAsync(grains, activeSilos));

    /// <summary>The reason to refuse the job against what the silos offer (<see cref="OffersAsync"/>); null when they can hold it or none answered.</summary>
    public static string? RefusalAgainst(LoadedJob job, IReadOnlyList<SiloResources> offers)
    {
        MemoryEstimate estimate;
        try
        {
            estimate = new MemoryEstimate(job.Workload.ParameterCount(job), job.Spec.Cluster.Workers);
            _ = estimate.TotalBytes;
        }
        catch (OverflowException)
        {
            return new SpecError("$.model", "the networks' size overflows a 64-bit count of bytes: make the model smaller").ToString();
        }
        return offers.Count == 0 ? null : estimate.RefusalAgainst(offers);
    }

    /// <summary>What each silo offers; silos that do not answer in time offer nothing (asked once for a sweep's every member).</summary>
    public static async Task<IReadOnlyList<SiloResources>> OffersAsync(IGrainFactory grains, IEnumerable<SiloAddress> activeSilos)
    {
        var answers = await Task.WhenAll(activeSilos.Select(async silo =>
        {
            try
            {
                return await SiloGrain.On(grains, silo).GetResources().WaitAsync(AskTimeout);
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                return null;
            }
        }));
        return answers.OfType<SiloResources>().ToList();
    }
}

/// <summary>
/// Bytes a job holds, from its parameter count P and worker count W, at 4 bytes per float32 value: the coordinator's
/// model, gradient and Adam moments (4P); its silo's tensor store holding the published parameters and one gradient
/// per worker (P(1 + W)); each worker's model and gradient (2P).
/// </summary>
public sealed record MemoryEstimate(long Parameters, int Workers)
{
    private const long BytesPerValue = 4;

    public long ParameterBytes => checked(Parameters * BytesPerValue);

    public long CoordinatorBytes => checked(4 * ParameterBytes);

    public long CoordinatorStoreBytes => checked((1 + Workers) * ParameterBytes);

    public long WorkerBytes => checked(2 * ParameterBytes);

    public long TotalBytes => checked(CoordinatorBytes + CoordinatorStoreBytes + Workers * WorkerBytes);

    /// <summary>
    /// The first limit of <paramref name="silos"/> this job would break, as a spec error; null when none. A model that
    /// would not fit even with one worker is named as the model's problem, anything else as too many workers.
    /// </summary>
    public string? RefusalAgainst(IReadOnlyCollection<SiloResources> silos)
    {
        long largestStore = silos.Max(s => s.StoreBudgetBytes);
        long largestMemory = silos.Max(s => s.MemoryLimitBytes);
        long allMemory = silos.Sum(s => s.MemoryLimitBytes);
        string what = $"{Parameters:N0} parameters";
        var alone = this with { Workers = 1 };
        if (alone.CoordinatorStoreBytes > largestStore || alone.CoordinatorBytes + alone.CoordinatorStoreBytes > largestMemory)
            return new SpecError("$.model",
                $"the model has {what}: its coordinator needs {Size(alone.CoordinatorBytes + alone.CoordinatorStoreBytes)} even with one worker " +
                $"(model, gradient, Adam state, and {Size(alone.CoordinatorStoreBytes)} in its tensor store), but the largest silo may use " +
                $"{Size(largestMemory)} with a store of {Size(largestStore)} (DataPlane:MaxStoreBytes); make the model smaller").ToString();
        if (CoordinatorStoreBytes > largestStore)
            return new SpecError("$.cluster.workers",
                $"the coordinator's silo must keep the parameters and {Workers} worker gradients in its tensor store, {Size(CoordinatorStoreBytes)} for {what}, " +
                $"but the largest store of the cluster's silos holds {Size(largestStore)} (DataPlane:MaxStoreBytes); use fewer workers").ToString();
        if (CoordinatorBytes + CoordinatorStoreBytes > largestMemory)
            return new SpecError("$.cluster.workers",
                $"the coordinator's silo needs {Size(CoordinatorBytes + CoordinatorStoreBytes)} for {what} and {Workers} worker gradients, " +
                $"but the largest silo may use {Size(largestMemory)}; use fewer workers").ToString();
        if (TotalBytes > allMemory)
            return new SpecError("$.cluster.workers",
                $"the job needs at least {Size(TotalBytes)} for {what} (the coordinator's {Size(CoordinatorBytes + CoordinatorStoreBytes)} and {Size(WorkerBytes)} " +
                $"per worker for {Workers}), but the cluster's {silos.Count} silo(s) may use {Size(allMemory)} together; use fewer workers or add silos").ToString();
        return null;
    }

    private static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes / (double)(1L << 20):F1} MiB";
}
