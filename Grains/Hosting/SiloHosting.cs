using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Hosting.Probes;
using DistGen.Grains.Metrics;
using DistGen.Grains.Jobs;
using DistGen.Grains.JobPages;
using DistGen.Grains.Security.Http;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace DistGen.Grains.Hosting;

/// <summary>
/// Composes an ASP.NET Core application as a DistGen silo: Orleans with the configured clustering and
/// <c>jobs</c> storage, the dashboard, an HTTP/1.1 endpoint with <c>/healthz</c>, a drain-long-enough shutdown,
/// Polly's retry chatter filtered to warnings. Used by the Silo host and by <see cref="EmbeddedSilo"/>.
/// </summary>
/// <remarks>
/// Every silo also serves the gRPC data plane on its own HTTP/2 endpoint (section "DataPlane") and hosts the job
/// grains (section "Artifacts"), so the Silo host and the embedded silo get both from these two methods.
/// </remarks>
public static class SiloHosting
{
    /// <summary>Where the Orleans Dashboard is served on the HTTP port.</summary>
    public const string DashboardRoute = "/dashboard";

    /// <summary>Where the health endpoint is served on the HTTP port.</summary>
    public const string HealthRoute = "/healthz";

    /// <summary>Configures the builder as a silo from its configuration's <c>Cluster</c> section (read and validated now).</summary>
    public static SiloEndpoints AddDistGenSilo(this WebApplicationBuilder builder, IClusterProviders? providers = null) =>
        builder.AddDistGenSilo(ClusterHostConfiguration.Read(builder.Configuration), providers);

    /// <summary>
    /// Configures the builder as a silo with the given options. Throws <see cref="OptionsValidationException"/> when the
    /// options are invalid or need a provider (Redis, Kubernetes) that <paramref name="providers"/> does not supply.
    /// </summary>
    public static SiloEndpoints AddDistGenSilo(this WebApplicationBuilder builder, ClusterHostOptions options, IClusterProviders? providers = null)
    {
        SettingsSection.Validate(options, ClusterHostOptions.SectionName);
        if (providers is null && options.UsesRedis)
            throw new OptionsValidationException(ClusterHostOptions.SectionName, typeof(ClusterHostOptions),
            [
                $"{ClusterHostOptions.Setting(nameof(options.Clustering))} is {options.Clustering} with {nameof(options.Storage)} {options.EffectiveStorage}, " +
                "but this process hosts only a Localhost silo with Memory storage: run the DistGen.Silo host for a Redis or Kubernetes cluster.",
            ]);

        var security = ReadSecurity(builder.Configuration);
        var endpoints = SiloEndpoints.Resolve(options) with { HttpScheme = security.Scheme };
        var dataPlaneListen = DataPlaneListenAddress(builder.Configuration, endpoints);
        RefusePlaintextBeyondLoopback(security, endpoints, dataPlaneListen);
        var httpAccess = ReadHttpAccess(builder.Configuration);
        RefuseOpenHttpBeyondLoopback(security, httpAccess, endpoints);
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton(httpAccess);
        // The data plane listens where the silo does unless DataPlane:ListenAddress says otherwise.
        builder.Services.PostConfigure<DataPlaneOptions>(dataPlane => dataPlane.ListenAddress = dataPlaneListen.ToString());
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(endpoints);
        if (providers is not null) builder.Services.AddSingleton(providers);
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds);
            // Kestrel starts beside the silo rather than after it has joined the cluster: the probes answer while it
            // joins (alive, not yet started or ready), so a slow join is told from a dead process.
            host.ServicesStartConcurrently = true;
        });
        builder.Services.AddHostedService<SiloStartupReport>();
        // Orleans logs every placement retry of its internal Polly pipeline at Information.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // JSON console logs (Logging:Console:FormatterName=json) are for log stacks: each line with a UTC timestamp and
        // its scopes, among them a job's JobId and Round.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        // A failing probe is answered to the prober (and recorded by Kubernetes); logged, it would repeat every few seconds.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        // Orleans' hosted services (the silo, then the dashboard) start in their order, beside Kestrel (see HostOptions above).
        HostedServicesInOrder.Group(builder.Services, () => builder.UseOrleans(silo =>
        {
            ConfigureOrleans(silo, options, endpoints, providers);
            if (security.Certificates is { } certificates) silo.UseClusterTls(certificates);
        }));

        builder.Services.AddDistGenDataPlane(builder.Configuration);
        builder.Services.AddDistGenJobs(builder.Configuration);
        builder.Services.AddDistGenMetrics(builder.Configuration);
        builder.Services.AddDistGenJobPages();
        var probes = builder.Services.AddDistGenProbes();
        if (options.UsesRedis) providers!.AddRedisCheck(probes, options.RedisConnection);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (endpoints.HttpPort is { } httpPort)
                kestrel.Listen(endpoints.ListenAddress, httpPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    // Browsers and probes present no client certificate: the token (HttpAccess) is what lets them in.
                    if (security.Certificates is { } certificates) listen.UseHttps(certificates.Own);
                });
            kestrel.ListenDistGenDataPlane();
        });
        return endpoints;
    }

    /// <summary>
    /// Maps <c>/healthz</c>, the probes under it (<see cref="SiloProbes"/>), <c>/metrics</c>, the job pages at <c>/jobs</c>
    /// (<see cref="JobPagesEndpoints"/>) and, when the providers include it, the
    /// dashboard at <c>/dashboard</c>.
    /// </summary>
    public static WebApplication MapDistGenSilo(this WebApplication app)
    {
        app.UseHttpPortGuard(app.Services.GetRequiredService<SiloEndpoints>().HttpPort, app.Services.GetRequiredService<HttpAccess>(), HealthRoute);
        app.MapGet(HealthRoute, SiloHealth.Report);
        app.MapDistGenProbes();
        app.MapDistGenMetrics();
        app.MapDistGenJobPages();
        app.MapDistGenDataPlane();
        app.Services.GetService<IClusterProviders>()?.MapDashboard(app, DashboardRoute);
        return app;
    }

    private static TransportSecurity ReadSecurity(IConfiguration configuration)
    {
        try
        {
            return TransportSecurity.Read(configuration);
        }
        catch (ClusterCertificateException e)
        {
            throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions), [$"{SecurityOptions.SectionName}: {e.Message}"]);
        }
    }

    private static HttpAccess ReadHttpAccess(IConfiguration configuration)
    {
        try
        {
            return new HttpAccess(configuration[$"{SecurityOptions.SectionName}:{nameof(SecurityOptions.HttpTokenSha256)}"]);
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions), [e.Message]);
        }
    }

    // The dashboard shows every job and silo: beyond loopback it needs a token unless the network is declared trusted.
    private static void RefuseOpenHttpBeyondLoopback(TransportSecurity security, HttpAccess access, SiloEndpoints endpoints)
    {
        if (access.Required || security.AllowInsecure || endpoints.HttpPort is null || IPAddress.IsLoopback(endpoints.ListenAddress)) return;
        throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions),
        [
            $"this silo's HTTP port {endpoints.HttpPort} (dashboard) would be open to anyone on {endpoints.ListenAddress}: set " +
            "Security:HttpTokenSha256 (env DISTGEN__Security__HttpTokenSha256) to the content of http-token.sha256 that 'distgen cert init' writes, " +
            "or set Security:AllowInsecure=true on a network you trust",
        ]);
    }

    private static IPAddress DataPlaneListenAddress(IConfiguration configuration, SiloEndpoints endpoints)
    {
        var configured = configuration[$"{DataPlaneOptions.SectionName}:{nameof(DataPlaneOptions.ListenAddress)}"];
        if (string.IsNullOrWhiteSpace(configured)) return endpoints.ListenAddress;
        // Checked now, by the section's own rule: the silo needs the address before the options exist, and they then get the parsed one.
        SettingsSection.Validate(new DataPlaneOptions { ListenAddress = configured }, DataPlaneOptions.SectionName, nameof(DataPlaneOptions.ListenAddress));
        return IPAddress.Parse(configured);
    }

    // Secure by default: plaintext is for loopback, or for a network the operator has explicitly declared trusted.
    private static void RefusePlaintextBeyondLoopback(TransportSecurity security, SiloEndpoints endpoints, IPAddress dataPlaneListen)
    {
        if (security.TlsEnabled || security.AllowInsecure) return;
        var exposed = new[] { ("silo and gateway ports", endpoints.ListenAddress), ("data plane", dataPlaneListen) }
            .Where(e => !IPAddress.IsLoopback(e.Item2)).Select(e => $"its {e.Item1} on {e.Item2}").ToList();
        if (exposed.Count == 0) return;
        throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions),
        [
            $"this silo would listen beyond loopback without TLS ({string.Join(", ", exposed)}): make certificates with " +
            "'distgen cert init' and set Security:Certificate, Security:Key and Security:Authority (env DISTGEN__Security__Certificate, ...), " +
            "or set Security:AllowInsecure=true to run unencrypted on a network you trust",
        ]);
    }

    private static void ConfigureOrleans(ISiloBuilder silo, ClusterHostOptions options, SiloEndpoints endpoints, IClusterProviders? providers)
    {
        silo.Configure<ClusterOptions>(cluster => (cluster.ClusterId, cluster.ServiceId) = (options.ClusterId, options.EffectiveServiceId));
        var gatewayPort = endpoints.GatewayPort ?? 0;
        switch (options.Clustering)
        {
            case ClusteringMode.Localhost:
                silo.UseLocalhostClustering(endpoints.SiloPort, gatewayPort, primarySiloEndpoint: null, options.EffectiveServiceId, options.ClusterId);
                break;
            case ClusteringMode.Redis:
                providers!.UseRedisClustering(silo, options.RedisConnection);
                if (endpoints.AdvertisedAddress is { } advertised)
                    silo.ConfigureEndpoints(advertised, endpoints.SiloPort, gatewayPort, listenOnAnyHostAddress: endpoints.ListenAddress.Equals(IPAddress.Any));
                else
                    silo.ConfigureEndpoints(endpoints.SiloPort, gatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
                break;
            case ClusteringMode.Kubernetes:
                providers!.UseRedisClustering(silo, options.RedisConnection);
                providers.UseKubernetesHosting(silo);
                // Kubernetes hosting fills in the pod IP and listens on any address unless these say otherwise.
                silo.Configure<EndpointOptions>(endpoint =>
                {
                    (endpoint.SiloPort, endpoint.GatewayPort) = (endpoints.SiloPort, gatewayPort);
                    if (endpoints.AdvertisedAddress is { } address) endpoint.AdvertisedIPAddress = address;
                });
                break;
        }

        var siloName = options.SiloName ?? (options.Clustering == ClusteringMode.Kubernetes ? null : $"{Environment.MachineName}-{endpoints.SiloPort}");
        if (siloName is not null) silo.Configure<SiloOptions>(s => s.SiloName = siloName);

        // Reminders live beside the job records: a coordinator whose silo died is re-activated by its reminder.
        if (options.EffectiveStorage == GrainStorageMode.Redis)
        {
            providers!.AddRedisGrainStorage(silo, ClusterHostOptions.JobStorageName, options.RedisConnection);
            providers.UseRedisReminders(silo, options.RedisConnection);
        }
        else
        {
            silo.AddMemoryGrainStorage(ClusterHostOptions.JobStorageName);
            silo.UseInMemoryReminderService();
        }

        providers?.AddDashboard(silo);
    }
}
