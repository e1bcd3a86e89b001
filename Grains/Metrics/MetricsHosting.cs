using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using DistGen.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace DistGen.Grains.Metrics;

/// <summary>
/// A silo's metrics, exported by OpenTelemetry in Prometheus' text format at <c>/metrics</c> on its HTTP port (behind
/// the same token as the dashboard): DistGen's own meters (<see cref="TrainingMeter"/>, <see cref="DataPlaneMeter"/>),
/// Orleans' meters, ASP.NET Core's and Kestrel's, and the .NET runtime and the process (CPU, memory, garbage collection,
/// thread pool). Names follow Prometheus' conventions through the exporter: snake_case, unit suffixes, <c>_total</c> on counters.
/// With <see cref="OtlpOptions"/> the same metrics are also pushed to an OpenTelemetry collector.
/// </summary>
public static class MetricsHosting
{
    public const string Route = "/metrics";

    /// <summary>Registers the meters and the exporters; reads and checks section "Otlp" now (throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>).</summary>
    public static IServiceCollection AddDistGenMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = SettingsSection.Read<OtlpOptions>(configuration, OtlpOptions.SectionName);
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics
                .AddMeter(TrainingMeter.Name, DataPlaneMeter.Name)
                .AddMeter("Microsoft.Orleans")
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddPrometheusExporter();
            if (otlp.Enabled)
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = otlp.ExportUri;
                    exporter.Protocol = otlp.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    if (otlp.Headers is { Length: > 0 } headers) exporter.Headers = headers;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.ExportInterval.TotalMilliseconds;
                    // Counters as totals since the start, as Prometheus reads them.
                    reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapDistGenMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(Route);
        return endpoints;
    }
}
