using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Orleans.Metadata;

namespace DistGen.Grains.Placement;

/// <summary>
/// Frees a worker's accelerators in the ledger when it deactivates on this silo. Attached to every grain type placed by
/// <see cref="AcceleratorAwarePlacement"/> through the grain's lifecycle, so the grains themselves need no code for it.
/// A silo without accelerators holds no reservations and makes no call.
/// </summary>
internal sealed class AcceleratorRelease(LocalAccelerators accelerators, IGrainFactory grains, ILocalSiloDetails local, ILogger<AcceleratorRelease> logger)
    : IConfigureGrainContextProvider, IConfigureGrainContext
{
    public bool TryGetConfigurator(GrainType grainType, GrainProperties properties, [NotNullWhen(true)] out IConfigureGrainContext? configurator)
    {
        bool placedByUs = properties.Properties.TryGetValue(WellKnownGrainTypeProperties.PlacementStrategy, out var strategy)
                          && strategy == nameof(AcceleratorAwarePlacement);
        configurator = placedByUs && accelerators.Count > 0 ? this : null;
        return configurator is not null;
    }

    public void Configure(IGrainContext context) =>
        context.ObservableLifecycle.Subscribe(nameof(AcceleratorRelease), GrainLifecycleStage.Activate, _ => Task.CompletedTask, _ => ReleaseAsync(context.GrainId));

    private async Task ReleaseAsync(GrainId worker)
    {
        try
        {
            await grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key).Release(worker.ToString(), local.SiloAddress);
        }
        catch (Exception e)
        {
            // The ledger prunes this silo's reservations when the silo leaves; until then the accelerator stays counted as in use.
            logger.LogWarning(e, "Could not release the accelerators of {Worker} on {Silo}", worker, local.SiloAddress);
        }
    }
}
