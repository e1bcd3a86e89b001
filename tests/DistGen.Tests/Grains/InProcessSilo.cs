using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;

namespace DistGen.Tests.Grains;

/// <summary>
/// What every silo of an in-process test cluster gets: the job grains, job storage shared by the process (it outlives
/// a stopped silo, as Redis does), in-memory reminders, and its own data plane (Kestrel, h2c, 127.0.0.1, a free port).
/// </summary>
public static class InProcessSilo
{
    public static void ConfigureOrleans(ISiloBuilder silo) => silo.UseInMemoryReminderService().Services
        .AddKeyedSingleton<IGrainStorage>("jobs", (services, _) => ActivatorUtilities.CreateInstance<ProcessWideGrainStorage>(services));

    /// <summary>Adds the silo's settings (data-plane secret, artifacts root, ...), computed from its TestingHost configuration.</summary>
    public static void ConfigureHost(IHostBuilder host, Func<IConfiguration, IDictionary<string, string?>> settings)
    {
        host.ConfigureAppConfiguration((context, config) => config.AddInMemoryCollection(settings(context.Configuration)));
        host.ConfigureServices((context, services) => services.AddDistGenDataPlane(context.Configuration).AddDistGenJobs(context.Configuration));
        host.ConfigureWebHost(web => web
            .UseKestrel(kestrel => kestrel.ListenDistGenDataPlane())
            .Configure(app => app.UseRouting().UseEndpoints(endpoints => endpoints.MapDistGenDataPlane())));
    }

    /// <summary>The data-plane settings of a test silo: loopback, a free port, the given secret.</summary>
    public static Dictionary<string, string?> DataPlane(string secret, string artifactsRoot) => new()
    {
        ["DataPlane:Secret"] = secret,
        ["DataPlane:Port"] = "0",
        ["DataPlane:ListenAddress"] = "127.0.0.1",
        ["Artifacts:Root"] = artifactsRoot,
    };
}
