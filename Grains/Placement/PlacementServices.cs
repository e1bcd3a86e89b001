using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;

namespace DistGen.Grains.Placement;

/// <summary>Registers DistGen's placement in a silo: the directors, the accelerator bookkeeping they rely on, and the device each member and coordinator computes on.</summary>
public static class PlacementServices
{
    public static IServiceCollection AddDistGenPlacement(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlacementDirector<SpreadByIndexPlacement, SpreadByIndexPlacementDirector>();
        services.AddPlacementDirector<AcceleratorAwarePlacement, AcceleratorAwarePlacementDirector>();
        services.AddPlacementDirector<KeyedSiloPlacement, KeyedSiloPlacementDirector>();
        services.AddSingleton(_ => LocalAccelerators.From(configuration));
        // A test registers its own resolver first (a machine without GPUs cannot resolve cuda devices).
        services.TryAddSingleton<IDeviceResolver, TorchDeviceResolver>();
        services.AddSingleton<MemberDevices>();
        services.AddSingleton<IPlacementSilos, ClusterPlacementSilos>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, AcceleratorRegistration>();
        services.AddSingleton<IConfigureGrainContextProvider, AcceleratorRelease>();
        return services;
    }
}
