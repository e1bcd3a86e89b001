using DistGen.Contracts.Jobs;

namespace DistGen.Tests.Grains;

/// <summary>Submits jobs to an in-process cluster and follows their status, failing the test when they take too long.</summary>
public static class JobRuns
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(3);

    /// <summary>Submits <paramref name="spec"/> (it must be accepted) and waits for the job to end.</summary>
    public static async Task<JobStatus> SubmitAndWaitAsync(IGrainFactory grains, string spec, TimeSpan? limit = null) =>
        await WaitForAsync(grains, await SubmitAsync(grains, spec), s => s.IsFinished, limit);

    /// <summary>Submits <paramref name="spec"/>, which must be accepted; returns the job id.</summary>
    public static async Task<string> SubmitAsync(IGrainFactory grains, string spec)
    {
        var submitted = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(spec);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        return submitted.JobId!;
    }

    /// <summary>Polls the job's status until <paramref name="done"/> holds.</summary>
    public static async Task<JobStatus> WaitForAsync(IGrainFactory grains, string jobId, Func<JobStatus, bool> done, TimeSpan? limit = null)
    {
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (true)
        {
            JobStatus status;
            try
            {
                status = await coordinator.GetStatus();
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                // A poll is only the test looking (slow under forced collections); the job's own state and the deadline decide.
                continue;
            }
            if (done(status)) return status;
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} still {status.State} at round {status.Round}: {status.Message}");
            await Task.Delay(100);
        }
    }
}
