using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Hosting;

/// <summary>What an <see cref="EmbeddedSilo"/> listens on and how it logs. Every port defaults to none or a free one.</summary>
public sealed class EmbeddedSiloOptions
{
    /// <summary>Cluster id of the one-silo cluster.</summary>
    public string ClusterId { get; init; } = "distgen-embedded";

    /// <summary>Silo-to-silo port; 0 picks a free one (nothing else joins, but Orleans needs the socket).</summary>
    public int SiloPort { get; init; }

    /// <summary>Gateway port for other distgen consoles; null (default) opens none, 0 picks a free one.</summary>
    public int? GatewayPort { get; init; }

    /// <summary>HTTP/1.1 port of <c>/healthz</c>; null (default) serves none (the data plane still listens on loopback), 0 picks a free one.</summary>
    public int? HttpPort { get; init; }

    /// <summary>Folder under which each job writes its run folder (&lt;root&gt;/&lt;job-id&gt;/).</summary>
    public string ArtifactsRoot { get; init; } = "runs";

    /// <summary>Least severe log level written (to stderr); the console's own output stays clean.</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Hook to add services before the silo is built (e.g. the data plane).</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }

    /// <summary>Hook to map endpoints after the silo's own (e.g. the data plane).</summary>
    public Action<WebApplication>? ConfigureApp { get; init; }
}
