using DistGen.Grains.DataPlane;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Grains.Security;

/// <summary>Registers the client/silo call boundary: silo calls are stamped, calls without the stamp reach only the public API.</summary>
public static class CallSecurityServices
{
    /// <summary>For a silo: stamp outgoing calls and filter incoming ones. Needs the <see cref="ClusterSecret"/> (the data plane's services).</summary>
    public static IServiceCollection AddDistGenCallSecurity(this IServiceCollection services) =>
        services.AddSiloCallStamp()
            .AddSingleton<IIncomingGrainCallFilter, ClientApiFilter>();

    /// <summary>For a silo, or for a client that acts as one (tests, benchmarks): stamp outgoing calls with the credential.</summary>
    public static IServiceCollection AddSiloCallStamp(this IServiceCollection services)
    {
        services.AddSingleton<SiloCallCredential>();
        services.AddSingleton<IOutgoingGrainCallFilter, SiloCallStamp>();
        return services;
    }

    /// <summary>For a client that acts as a silo: the cluster secret it holds, and the stamp.</summary>
    public static IServiceCollection AddSiloCallStamp(this IServiceCollection services, string clusterSecret)
    {
        services.AddSingleton(new ClusterSecret(clusterSecret));
        return services.AddSiloCallStamp();
    }
}
