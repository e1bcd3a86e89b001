using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Hosting;

/// <summary>Logs, once the silo is up, where it listens and where its dashboard is; and when it starts to drain.</summary>
internal sealed class SiloStartupReport(
    IHostApplicationLifetime lifetime, ILocalSiloDetails local, SiloEndpoints endpoints, IOptions<ClusterHostOptions> options,
    IOptions<Orleans.Configuration.ClusterOptions> orleans, ILogger<SiloStartupReport> logger,
    DistGen.Grains.Security.Tls.TransportSecurity? security = null, IClusterProviders? providers = null,
    DistGen.Grains.Security.Http.HttpAccess? httpAccess = null)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(ReportStarted);
        lifetime.ApplicationStopping.Register(() =>
            logger.LogInformation("Silo {Name} is leaving the cluster (draining for up to {Seconds} s)", local.Name, options.Value.ShutdownTimeoutSeconds));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void ReportStarted()
    {
        var cluster = options.Value;
        var membership = cluster.Clustering == ClusteringMode.Localhost ? "Localhost" : $"{cluster.Clustering} at {ClusterHostOptions.RedisServersOf(cluster.Redis)}";
        logger.LogInformation(
            "DistGen silo {Name} ({Address}) is up in cluster '{ClusterId}' (service '{ServiceId}', which keys its jobs in storage): clustering {Membership}, storage {Storage}; " +
            "silo port {SiloPort}, gateway port {GatewayPort}, HTTP port {HttpPort}; dashboard {Dashboard}, job pages {Pages}, health {Health}",
            // What Orleans runs with: on Kubernetes the pod's labels set both ids.
            local.Name, local.SiloAddress, orleans.Value.ClusterId, orleans.Value.ServiceId, membership, cluster.EffectiveStorage,
            endpoints.SiloPort, endpoints.GatewayPort?.ToString() ?? "none", endpoints.HttpPort?.ToString() ?? "none",
            providers is null ? "none" : endpoints.DashboardUrl ?? "none", endpoints.PagesUrl ?? "none", endpoints.HealthUrl ?? "none");
        if (security is { TlsEnabled: true, Certificates: { } certificates })
            logger.LogInformation("Mutual TLS is on: this silo is {Subject}, trusting only the CA {Authority}", certificates.Own.Subject, certificates.Authority.Subject);
        if (endpoints.HttpPort is not null)
            logger.LogInformation("The HTTP port's dashboard, job pages and metrics need {Access}; /healthz answers anyone with the status only",
                httpAccess is { Required: true } ? "the token of Security:HttpTokenSha256" : "no token (loopback, or Security:AllowInsecure)");
        if (security is { AllowInsecure: true, TlsEnabled: false })
            logger.LogWarning("Security:AllowInsecure is set: connections are unencrypted and unauthenticated; anyone who reaches this silo's ports can use the cluster");
        else if (security is { AllowInsecure: true } && httpAccess is not { Required: true } && endpoints.HttpPort is not null)
            logger.LogWarning("Security:AllowInsecure is set and Security:HttpTokenSha256 is not: anyone who reaches the HTTP port can read the dashboard and cancel jobs on the job pages");
    }
}
