using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Routing;
using Orleans.Hosting;

namespace DistGen.Grains.Hosting;

/// <summary>
/// The cluster-mode parts of a silo that live in packages beyond Orleans.Server: Redis membership and storage,
/// Kubernetes hosting and the Orleans Dashboard. The Silo host supplies them (<c>DistGen.Silo.ClusterProviders</c>);
/// the embedded silo runs without them, so it offers Localhost clustering and memory storage only.
/// </summary>
public interface IClusterProviders
{
    /// <summary>Keeps cluster membership in Redis.</summary>
    void UseRedisClustering(ISiloBuilder silo, RedisConnection redis);

    /// <summary>Adds a named grain storage in Redis.</summary>
    void AddRedisGrainStorage(ISiloBuilder silo, string storageName, RedisConnection redis);

    /// <summary>Keeps reminders (the jobs' keep-running ticks) in Redis, so they outlive any one silo.</summary>
    void UseRedisReminders(ISiloBuilder silo, RedisConnection redis);

    /// <summary>Adds a readiness check that Redis answers (<see cref="Probes.SiloProbes"/>), for a silo that keeps its membership or jobs there.</summary>
    void AddRedisCheck(IHealthChecksBuilder checks, RedisConnection redis);

    /// <summary>Takes the silo's name and address from its pod and lets Orleans delete defunct silo pods.</summary>
    void UseKubernetesHosting(ISiloBuilder silo);

    /// <summary>Collects the dashboard's statistics on this silo.</summary>
    void AddDashboard(ISiloBuilder silo);

    /// <summary>Serves the dashboard's pages and JSON under <paramref name="routePrefix"/>.</summary>
    void MapDashboard(IEndpointRouteBuilder endpoints, string routePrefix);
}
