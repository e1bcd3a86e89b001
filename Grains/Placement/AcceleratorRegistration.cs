using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Placement;

/// <summary>Advertises this silo's accelerators to the ledger once the silo is active (silos without any stay out of it).</summary>
internal sealed class AcceleratorRegistration(
    LocalAccelerators accelerators, IGrainFactory grains, ILocalSiloDetails local, IClusterMembershipService membership,
    ILogger<AcceleratorRegistration> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AcceleratorRegistration), ServiceLifecycleStage.Active, RegisterAsync);

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Silo {Name} offers {Count} accelerator(s) ({Source})", local.Name, accelerators.Count, accelerators.Source);
        if (accelerators.Count == 0) return;
        try
        {
            await grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key)
                .Register(local.SiloAddress, accelerators.Count, membership.CurrentSnapshot.Version);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A silo that cannot register still runs CPU work; GPU jobs will not be placed on it, and the log says why.
            logger.LogError(e, "Silo {Name} could not advertise its {Count} accelerator(s); GPU workers will not be placed on it", local.Name, accelerators.Count);
        }
    }
}
