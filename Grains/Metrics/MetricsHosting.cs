using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace DistGen.Grains.Metrics;

/// <summary>
/// A silo's metrics, exported by OpenTelemetry in Prometheus' text format at <c>/metrics</c> on its HTTP port (behind
/// the same token as the dashboard): DistGen's own meters (<see cref="TrainingMeter"/>, <see cref="DataPlaneMeter"/>),
/// Orleans' meters, ASP.NET Core's and Kestrel's, and the .NET runtime and the process (CPU, memory, garbage collection,
/// thread pool). Names follow Prometheus' conventions through the exporter: snake_case, unit suffixes, <c>_total</c> on counters.
/// </summary>
public static class MetricsHosting
{
    public const string Route = "/metrics";

    public static IServiceCollection AddDistGenMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(TrainingMeter.Name, DataPlaneMeter.Name)
            .AddMeter("Microsoft.Orleans")
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            .AddPrometheusExporter());
        return services;
    }

    public static IEndpointRouteBuilder MapDistGenMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(Route);
        return endpoints;
    }
}
