using DistGen.Grains.Hosting;
using Orleans.Dashboard;
using StackExchange.Redis;

namespace DistGen.Silo;

/// <summary>The cluster-mode providers of the Silo host: Redis membership and storage, Kubernetes hosting, the Orleans Dashboard.</summary>
public sealed class ClusterProviders : IClusterProviders
{
    public void UseRedisClustering(ISiloBuilder silo, string connectionString) =>
        silo.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(connectionString));

    public void AddRedisGrainStorage(ISiloBuilder silo, string storageName, string connectionString) =>
        silo.AddRedisGrainStorage(storageName, options => options.ConfigurationOptions = ConfigurationOptions.Parse(connectionString));

    public void UseKubernetesHosting(ISiloBuilder silo) => silo.UseKubernetesHosting();

    public void AddDashboard(ISiloBuilder silo) => silo.AddDashboard();

    public void MapDashboard(IEndpointRouteBuilder endpoints, string routePrefix) => endpoints.MapOrleansDashboard(routePrefix: routePrefix);
}
