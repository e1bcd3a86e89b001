using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace DistGen.Grains.Placement;

/// <summary>Registers DistGen's placement in a silo: the two directors and the accelerator bookkeeping they rely on.</summary>
public static class PlacementServices
{
    public static IServiceCollection AddDistGenPlacement(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlacementDirector<SpreadByIndexPlacement, SpreadByIndexPlacementDirector>();
        services.AddPlacementDirector<AcceleratorAwarePlacement, AcceleratorAwarePlacementDirector>();
        services.AddPlacementDirector<KeyedSiloPlacement, KeyedSiloPlacementDirector>();
        services.AddSingleton(_ => LocalAccelerators.From(configuration));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, AcceleratorRegistration>();
        services.AddSingleton<IConfigureGrainContextProvider, AcceleratorRelease>();
        return services;
    }
}
