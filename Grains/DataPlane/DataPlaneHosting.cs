using System.Net;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using DistGen.Grains.Artifacts;
using DistGen.Grains.Hosting;
using DistGen.Grains.Jobs;
using DistGen.Grains.Security.Tls;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Wires the data plane into an ASP.NET Core host:
/// <code>
/// builder.Services.AddDistGenDataPlane(builder.Configuration);
/// builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenDistGenDataPlane());
/// app.MapDistGenDataPlane();
/// </code>
/// </summary>
public static class DataPlaneHosting
{
    /// <summary>
    /// Options (section "DataPlane", validated at start-up), store, client, <see cref="ITensorExchange"/>, download tickets
    /// (<see cref="ArtifactTickets"/>), gRPC.
    /// </summary>
    public static IServiceCollection AddDistGenDataPlane(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettingsSection<DataPlaneOptions>(configuration, DataPlaneOptions.SectionName);
        // A silo host registers the TransportSecurity it read first; a bare data-plane host reads section Security here.
        services.TryAddSingleton(_ => TransportSecurity.Read(configuration));
        services.AddSingleton<IValidateOptions<DataPlaneOptions>, DataPlaneOptionsValidator>();
        services.AddSingleton(provider => new ClusterSecret(Options(provider).Secret));
        services.AddSingleton(provider =>
        {
            var store = new TensorStore(Options(provider).MaxStoreBytes);
            Metrics.DataPlaneMeter.Observe(store);
            return store;
        });
        services.AddSingleton<DataPlaneEndpoint>();
        services.AddSingleton<TensorExchangeClient>();
        services.AddSingleton<TensorExchange>();
        services.AddSingleton<ITensorExchange>(provider => provider.GetRequiredService<TensorExchange>());
        services.AddSingleton<ArtifactTickets>();
        // Kestrel-wide transport settings that pushes need (see LargeBlockMemoryPool): large receive buffers, allocated
        // without a zero-byte read first.
        services.RemoveAll<IMemoryPoolFactory<byte>>();
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();
        services.Configure<SocketTransportOptions>(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions<TensorExchangeService>>()
            .Configure<IOptions<DataPlaneOptions>>((grpc, dataPlane) =>
            {
                grpc.MaxReceiveMessageSize = dataPlane.Value.MaxChunkBytes + TensorExchangeClient.ChunkHeaderRoom;
                grpc.MaxSendMessageSize = dataPlane.Value.ChunkBytes + TensorExchangeClient.ChunkHeaderRoom;
            });
        services.AddOptions<GrpcServiceOptions<ArtifactExchangeService>>().Configure(grpc =>
        {
            // A download request is a job id, a file name and a ticket.
            grpc.MaxReceiveMessageSize = 16 << 10;
            grpc.MaxSendMessageSize = JobArtifactsOptions.MaxDownloadChunkBytes + TensorExchangeClient.ChunkHeaderRoom;
        });
        return services;
    }

    /// <summary>
    /// Adds the data plane's HTTP/2-only (h2c) endpoint on DataPlane:ListenAddress and DataPlane:Port, with the large
    /// flow-control windows that big pushes need (the connection and stream windows apply to the whole server).
    /// Call inside <c>ConfigureKestrel</c>; with explicit Kestrel endpoints, list the silo's HTTP endpoint there too.
    /// </summary>
    public static KestrelServerOptions ListenDistGenDataPlane(this KestrelServerOptions kestrel)
    {
        var options = ListenSettings(kestrel.ApplicationServices);
        var endpoint = kestrel.ApplicationServices.GetRequiredService<DataPlaneEndpoint>();
        // 64 KiB defaults cap pushes far below the wire's speed; these let a stream run ahead.
        kestrel.Limits.Http2.InitialConnectionWindowSize = 64 << 20;
        kestrel.Limits.Http2.InitialStreamWindowSize = 32 << 20;
        kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port, listen =>
        {
            // HTTP/2 only: h2c without TLS (where Http1AndHttp2 would serve HTTP/1.1 only), ALPN h2 with it.
            listen.Protocols = HttpProtocols.Http2;
            // Counted before the TLS handshake: a flood of half-open handshakes is bounded too.
            listen.Use(new DataPlaneConnectionLimit(options.MaxConnections).Middleware);
            if (kestrel.ApplicationServices.GetRequiredService<TransportSecurity>().Certificates is { } certificates)
                listen.UseHttps(DataPlaneTls.Server(certificates));
            endpoint.Attach(listen);
        });
        return kestrel;
    }

    /// <summary>Maps the data plane's gRPC services: <c>TensorExchange</c> (silos) and <c>ArtifactExchange</c> (downloads with tickets).</summary>
    public static IEndpointRouteBuilder MapDistGenDataPlane(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<TensorExchangeService>();
        endpoints.MapGrpcService<ArtifactExchangeService>();
        return endpoints;
    }

    private static DataPlaneOptions Options(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<DataPlaneOptions>>().Value;

    /// <summary>
    /// The options as configured, checked only for what the endpoint needs: Kestrel reads its endpoints while the host
    /// is built, and a missing secret should stop the host at start-up (ValidateOnStart), not make it unbuildable.
    /// </summary>
    private static DataPlaneOptions ListenSettings(IServiceProvider provider)
    {
        var options = new DataPlaneOptions();
        foreach (var configure in provider.GetServices<IConfigureOptions<DataPlaneOptions>>())
        {
            if (configure is IConfigureNamedOptions<DataPlaneOptions> named) named.Configure(Microsoft.Extensions.Options.Options.DefaultName, options);
            else configure.Configure(options);
        }
        foreach (var postConfigure in provider.GetServices<IPostConfigureOptions<DataPlaneOptions>>())
            postConfigure.PostConfigure(Microsoft.Extensions.Options.Options.DefaultName, options);
        return SettingsSection.Validate(options, DataPlaneOptions.SectionName, nameof(options.MaxConnections), nameof(options.Port), nameof(options.ListenAddress));
    }
}
