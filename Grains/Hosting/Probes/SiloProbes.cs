using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DistGen.Grains.Hosting.Probes;

/// <summary>
/// The three probes Kubernetes asks a silo, on its HTTP port, without credentials (they answer a status and the name of
/// each check, nothing about jobs):
/// <list type="bullet">
/// <item><c>/healthz/live</c>: the process serves HTTP. No check: a silo that waits for Redis or for its cluster is alive,
/// and restarting it would not help.</item>
/// <item><c>/healthz/ready</c>: the silo takes work now: Active in the cluster (<see cref="ActiveInClusterCheck"/>), its data
/// plane accepts connections (<see cref="DataPlaneListeningCheck"/>), and Redis answers when the silo uses it (a check the
/// Silo host adds through <see cref="IClusterProviders.AddRedisCheck"/>).</item>
/// <item><c>/healthz/startup</c>: the silo has been Active once (<see cref="StartedCheck"/>), so a slow join is not taken
/// for a hung process.</item>
/// </list>
/// 200 when every check of the probe passes, 503 otherwise, with a JSON body naming each check's status and reason.
/// </summary>
public static class SiloProbes
{
    public const string Live = "/healthz/live";
    public const string Ready = "/healthz/ready";
    public const string Startup = "/healthz/startup";

    /// <summary>Tag of the checks <see cref="Ready"/> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Tag of the checks <see cref="Startup"/> runs.</summary>
    public const string StartupTag = "startup";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Registers the silo's own checks; the Silo host adds the Redis check to the returned builder.</summary>
    public static IHealthChecksBuilder AddDistGenProbes(this IServiceCollection services)
    {
        // Singletons: the startup check remembers that the silo was Active once.
        services.AddSingleton<ActiveInClusterCheck>();
        services.AddSingleton<StartedCheck>();
        services.AddSingleton<DataPlaneListeningCheck>();
        return services.AddHealthChecks()
            .AddCheck<ActiveInClusterCheck>("active in the cluster", tags: [ReadyTag])
            .AddCheck<DataPlaneListeningCheck>("data plane listening", tags: [ReadyTag])
            .AddCheck<StartedCheck>("started", tags: [StartupTag]);
    }

    /// <summary>Maps the three probes.</summary>
    public static IEndpointRouteBuilder MapDistGenProbes(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(Live, Options(_ => false));
        endpoints.MapHealthChecks(Ready, Options(check => check.Tags.Contains(ReadyTag)));
        endpoints.MapHealthChecks(Startup, Options(check => check.Tags.Contains(StartupTag)));
        return endpoints;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = WriteAsync,
        // Degraded is not a state these checks report; map every status explicitly.
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(entry => new { name = entry.Key, status = entry.Value.Status.ToString(), reason = entry.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
