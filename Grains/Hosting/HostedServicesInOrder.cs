using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistGen.Grains.Hosting;

/// <summary>
/// Hosted services that must start one after another, run as one hosted service: started in order, stopped in reverse.
/// A silo starts its hosts concurrently, so that Kestrel (and the probes on the HTTP port) answers while the silo
/// joins; Orleans' own hosted services (the silo, then the dashboard, which needs the silo running) keep their order
/// inside this one (<see cref="SiloHosting"/>).
/// </summary>
internal sealed class HostedServicesInOrder(IReadOnlyList<IHostedService> services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var service in services) await service.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var service in services.Reverse()) await service.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the hosted services that <paramref name="register"/> adds out of <paramref name="services"/> and registers
    /// them as one <see cref="HostedServicesInOrder"/>, in the order they were added.
    /// </summary>
    public static void Group(IServiceCollection services, Action register)
    {
        var before = services.Where(IsHosted).ToHashSet();
        register();
        var added = services.Where(d => IsHosted(d) && !before.Contains(d)).ToList();
        foreach (var descriptor in added) services.Remove(descriptor);
        services.AddSingleton<IHostedService>(provider => new HostedServicesInOrder(added.Select(d => Create(provider, d)).ToList()));
    }

    private static bool IsHosted(ServiceDescriptor descriptor) => descriptor.ServiceType == typeof(IHostedService) && !descriptor.IsKeyedService;

    private static IHostedService Create(IServiceProvider provider, ServiceDescriptor descriptor) =>
        (IHostedService)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!));
}
