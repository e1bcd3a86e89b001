using System.Net;
using DistGen.Grains.Hosting;
using DistGen.Grains.Hosting.Probes;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting.Kubernetes;
using StackExchange.Redis;

namespace DistGen.Silo;

/// <summary>The cluster-mode providers of the Silo host: Redis membership and storage, Kubernetes hosting, the Orleans Dashboard.</summary>
public sealed class ClusterProviders : IClusterProviders
{
    public void UseRedisClustering(ISiloBuilder silo, RedisConnection redis) =>
        silo.UseRedisClustering(options => options.ConfigurationOptions = Options(redis));

    public void AddRedisGrainStorage(ISiloBuilder silo, string storageName, RedisConnection redis) =>
        silo.AddRedisGrainStorage(storageName, options => options.ConfigurationOptions = Options(redis));

    public void UseRedisReminders(ISiloBuilder silo, RedisConnection redis) =>
        silo.UseRedisReminderService(options => options.ConfigurationOptions = Options(redis));

    public void AddRedisCheck(IHealthChecksBuilder checks, RedisConnection redis)
    {
        // One check (and one connection) for the process, disposed with the host.
        checks.Services.AddSingleton(_ => new RedisReachableCheck(redis));
        checks.Add(new HealthCheckRegistration("redis", services => services.GetRequiredService<RedisReachableCheck>(), HealthStatus.Unhealthy, [SiloProbes.ReadyTag]));
    }

    // TLS to Redis (ssl=true) checks Redis's certificate against the machine's roots, or against the named CA only. The
    // probe's connection is made even while Redis is down (and reconnects), and gives up on a command after its time-out.
    internal static ConfigurationOptions Options(RedisConnection redis, bool forProbe = false)
    {
        var options = ConfigurationOptions.Parse(redis.ConnectionString);
        if (redis.Authority is { } authority) options.TrustIssuer(authority);
        if (forProbe)
        {
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2000;
            options.SyncTimeout = options.AsyncTimeout = 2000;
            options.ClientName = "distgen-readiness";
        }
        return options;
    }

    public void UseKubernetesHosting(ISiloBuilder silo)
    {
        silo.UseKubernetesHosting();
        // Kubernetes hosting fills in POD_IP only when nothing set an address first, but Orleans' own default (this
        // host name's DNS address) is applied before it; set the pod IP up front. Cluster:AdvertisedAddress still wins.
        if (IPAddress.TryParse(Environment.GetEnvironmentVariable(KubernetesHostingOptions.PodIPEnvironmentVariable), out var podIp))
            silo.Configure<EndpointOptions>(endpoint => endpoint.AdvertisedIPAddress = podIp);
    }

    // The dashboard's live log stream shows every silo's log to whoever reaches the HTTP port: off unless
    // Dashboard:HideTrace is set to false (section Dashboard is bound after this default, and checked like every section).
    public void AddDashboard(ISiloBuilder silo)
    {
        silo.AddDashboard(options => options.HideTrace = true);
        silo.Services.AddSettingsSection<DashboardOptions>(silo.Configuration, "Dashboard");
    }

    public void MapDashboard(IEndpointRouteBuilder endpoints, string routePrefix) => endpoints.MapOrleansDashboard(routePrefix: routePrefix);
}
