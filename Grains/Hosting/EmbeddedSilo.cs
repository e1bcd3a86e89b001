using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Hosting;

/// <summary>
/// A one-silo cluster inside the current process: Localhost clustering, memory storage, no Redis, no other
/// process. <c>distgen run</c> trains through it with the same grains a real cluster runs.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedSilo(WebApplication app, SiloEndpoints endpoints)
    {
        _app = app;
        Endpoints = endpoints;
        Client = app.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>Client of the embedded cluster; also its <see cref="IGrainFactory"/>.</summary>
    public IClusterClient Client { get; }

    /// <summary>The grain factory of the embedded cluster.</summary>
    public IGrainFactory GrainFactory => Client;

    /// <summary>The silo's services (e.g. for the data plane's store).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The ports actually used.</summary>
    public SiloEndpoints Endpoints { get; }

    /// <summary>Builds and starts the silo; returns once it is active.</summary>
    public static async Task<EmbeddedSilo> StartAsync(EmbeddedSiloOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmbeddedSiloOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Settings come from the options and DISTGEN__ variables only, never from an appsettings.json that happens to lie next to the program.
        builder.Configuration.Sources.Clear();
        // The data plane of a one-silo cluster stays on loopback with a secret of this process alone; run folders go
        // under the chosen root. DISTGEN__ variables, added after, still override these.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataPlane:Secret"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            ["DataPlane:Port"] = "0",
            ["DataPlane:ListenAddress"] = "127.0.0.1",
            ["Artifacts:Root"] = options.ArtifactsRoot,
        });
        builder.Configuration.AddDistGenSources([]);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        // Advice meant for server operators (server GC) and starvation notes while training saturates the cores.
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        var endpoints = builder.AddDistGenSilo(new ClusterHostOptions
        {
            Clustering = ClusteringMode.Localhost,
            ClusterId = options.ClusterId,
            ServiceId = options.ClusterId,
            Storage = GrainStorageMode.Memory,
            SiloName = "embedded",
            SiloPort = options.SiloPort,
            GatewayPort = options.GatewayPort,
            HttpPort = options.HttpPort,
            ShutdownTimeoutSeconds = 10,
        });
        options.ConfigureBuilder?.Invoke(builder);
        var app = builder.Build();
        app.MapDistGenSilo();
        options.ConfigureApp?.Invoke(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new EmbeddedSilo(app, endpoints);
    }

    /// <summary>Stops the silo gracefully (its grains deactivate and write their state).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
