using System.ComponentModel.DataAnnotations;
using DistGen.Grains.Hosting;

namespace DistGen.Grains.Metrics;

/// <summary>
/// Pushing the silo's metrics to an OpenTelemetry collector over OTLP, beside the <c>/metrics</c> scrape endpoint
/// (section "Otlp": <c>DISTGEN__Otlp__Endpoint</c>, ...). Off while <see cref="Endpoint"/> is empty.
/// </summary>
public sealed class OtlpOptions : IValidatableObject
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Otlp";

    /// <summary>The path OTLP over HTTP posts metrics to, appended to the collector's base address.</summary>
    public const string HttpMetricsPath = "v1/metrics";

    /// <summary>The collector's base address, e.g. http://otel-collector:4318 (http/protobuf) or :4317 (grpc); empty: no OTLP.</summary>
    public string? Endpoint { get; set; }

    /// <summary>"http/protobuf" (the collector's port 4318) or "grpc" (port 4317).</summary>
    [AllowedValues("http/protobuf", "grpc", ErrorMessage = "use http/protobuf (port 4318) or grpc (port 4317).")]
    public string Protocol { get; set; } = "http/protobuf";

    /// <summary>Headers every export carries, as key=value pairs separated by commas (e.g. an API key of a hosted backend).</summary>
    public string? Headers { get; set; }

    /// <summary>How often the silo pushes its metrics.</summary>
    [TimeSpanRange("00:00:01", ErrorMessage = "use at least a second, e.g. 00:00:15.")]
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(15);

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>Where the exporter sends: the base address, with <see cref="HttpMetricsPath"/> for http/protobuf.</summary>
    public Uri ExportUri => Protocol == "grpc" ? new Uri(Endpoint!) : new Uri(new Uri(Endpoint!.TrimEnd('/') + "/"), HttpMetricsPath);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0))
            yield return new ValidationResult($"{SettingsSection.Name(SectionName, nameof(Endpoint))} is '{Endpoint}': give the collector's base " +
                "address as http(s)://HOST:PORT, e.g. http://otel-collector:4318 (without a query; /v1/metrics is added for http/protobuf).");
        if (Headers is { Length: > 0 } headers && headers.Split(',').Any(pair => pair.IndexOf('=') <= 0))
            yield return new ValidationResult($"{SettingsSection.Name(SectionName, nameof(Headers))} must be key=value pairs separated by commas, e.g. api-key=SECRET.");
    }
}
