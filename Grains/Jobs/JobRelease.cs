using DistGen.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Frees what an ended job holds on every active silo of the cluster, not only those its last run used (an earlier
/// runner's workers may have pulled parameters elsewhere): the tensors in each silo's store and its cached workload
/// (<see cref="SiloGrain.ReleaseJob"/>). A silo that cannot be reached now is caught up by its own
/// <see cref="FinishedJobCleanup"/>, so nothing here waits for it longer than <see cref="AskTimeout"/>.
/// </summary>
public static class JobRelease
{
    /// <summary>How long one silo may take to answer.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    public static async Task OnEverySiloAsync(string jobId, IGrainFactory grains, IClusterMembershipService membership, ILogger logger)
    {
        var silos = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        await Task.WhenAll(silos.Select(async silo =>
        {
            try
            {
                await SiloGrain.On(grains, silo).ReleaseJob(jobId).WaitAsync(AskTimeout);
            }
            catch (Exception e)
            {
                logger.LogWarning("job {Job}: could not free its tensors on silo {Silo} ({Error}); that silo's sweep frees them", jobId, silo,
                    e.GetBaseException().Message);
            }
        }));
    }
}
