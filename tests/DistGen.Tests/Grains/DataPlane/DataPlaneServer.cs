using System.Collections.Concurrent;
using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

/// <summary>A real Kestrel data-plane server on 127.0.0.1 and a free port, started and stopped by a test.</summary>
internal sealed class DataPlaneServer : IAsyncDisposable
{
    public const string Secret = "test-cluster-secret";

    private readonly WebApplication _app;

    private DataPlaneServer(WebApplication app) => _app = app;

    public TensorStore Store => _app.Services.GetRequiredService<TensorStore>();

    public TensorExchange Exchange => _app.Services.GetRequiredService<TensorExchange>();

    public DataPlaneOptions Options => _app.Services.GetRequiredService<IOptions<DataPlaneOptions>>().Value;

    /// <summary>The download tickets of this server's cluster secret.</summary>
    public ArtifactTickets Tickets => _app.Services.GetRequiredService<ArtifactTickets>();

    /// <summary>Manifests as a coordinator on this silo makes them (section Artifacts of the settings).</summary>
    public ArtifactManifests Manifests => ActivatorUtilities.CreateInstance<ArtifactManifests>(_app.Services);

    /// <summary>The address clients call ("http://127.0.0.1:PORT").</summary>
    public string Endpoint => Exchange.LocalEndpoint;

    /// <summary>gRPC calls the server received, by method name ("Push", "Pull"), refused ones included.</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    /// <summary>Makes the next <paramref name="calls"/> calls fail with <paramref name="code"/> before the service sees them.</summary>
    public void FailNext(int calls, StatusCode code) => Counter.Fail(calls, code);

    /// <summary>Makes the next server-streaming call end with an error after <paramref name="messages"/> messages, as a dropped connection would.</summary>
    public void CutNextStreamAfter(int messages) => Counter.CutAfter = messages;

    private CallCounter Counter => _app.Services.GetRequiredService<CallCounter>();

    public static Task<DataPlaneServer> StartAsync(params (string Key, string Value)[] settings) =>
        StartAsync(BuildHost(settings));

    /// <summary>The host, built but not started (start-up validation tests start it themselves).</summary>
    public static WebApplication BuildHost(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(Settings(settings));
        builder.Services.AddDistGenDataPlane(builder.Configuration);
        builder.Services.AddOptions<JobArtifactsOptions>().Bind(builder.Configuration.GetSection("Artifacts"));
        builder.Services.AddSingleton<CallCounter>();
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<CallCounter>());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenDistGenDataPlane());
        var app = builder.Build();
        app.MapDistGenDataPlane();
        return app;
    }

    /// <summary>Data-plane settings of the tests: the secret, 127.0.0.1, a free port, plus the given overrides (keys of section DataPlane, or Section:Key).</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["DataPlane:Secret"] = Secret,
            ["DataPlane:Port"] = "0",
            ["DataPlane:ListenAddress"] = "127.0.0.1",
            ["DataPlane:MaxRetryAttempts"] = "2",
            ["DataPlane:RetryBaseDelay"] = "00:00:00.01",
        };
        foreach (var (key, value) in settings) values[key.Contains(':') ? key : $"DataPlane:{key}"] = value;
        return values;
    }

    private static async Task<DataPlaneServer> StartAsync(WebApplication app)
    {
        var server = new DataPlaneServer(app);
        app.Services.GetRequiredService<CallCounter>().Calls = server.Calls;
        await app.StartAsync();
        return server;
    }

    /// <summary>A client with the server's settings (and its secret unless told otherwise).</summary>
    public TensorExchangeClient Client(string? secret = Secret, params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(settings)).Build();
        var options = configuration.GetSection(DataPlaneOptions.SectionName).Get<DataPlaneOptions>()!;
        return new TensorExchangeClient(Microsoft.Extensions.Options.Options.Create(options), new ClusterSecret(secret ?? Secret), NullLoggerFactory.Instance);
    }

    /// <summary>The generated gRPC client on a raw channel, for crafting chunks by hand.</summary>
    public (GrpcChannel Channel, Wire.TensorExchange.TensorExchangeClient Stub) RawClient() =>
        RawClient(Endpoint);

    public static (GrpcChannel Channel, Wire.TensorExchange.TensorExchangeClient Stub) RawClient(string endpoint)
    {
        var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { MaxSendMessageSize = null });
        return (channel, new Wire.TensorExchange.TensorExchangeClient(channel));
    }

    public static Metadata SecretHeader(string secret = Secret) => new() { { ClusterSecret.Header, secret } };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // Passes the first messages on, then drops the connection, as a network cut mid-stream would.
    private sealed class CutStream<T>(IServerStreamWriter<T> inner, int messages, Microsoft.AspNetCore.Http.HttpContext http) : IServerStreamWriter<T>
    {
        private int _written;

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            if (++_written <= messages) return inner.WriteAsync(message, cancellationToken);
            http.Abort();
            throw new RpcException(new Status(StatusCode.Unavailable, "cut by the test"));
        }
    }

    /// <summary>Counts the calls the server receives, and fails some on request.</summary>
    private sealed class CallCounter : Interceptor
    {
        private int _failures;
        private StatusCode _failure;

        public ConcurrentDictionary<string, int> Calls { get; set; } = new();

        public int? CutAfter { get; set; }

        public void Fail(int calls, StatusCode code) => (_failure, _failures) = (code, calls);

        public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
            IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        {
            Count(context);
            return continuation(requestStream, context);
        }

        public override Task ServerStreamingServerHandler<TRequest, TResponse>(
            TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            Count(context);
            if (CutAfter is not { } messages) return continuation(request, responseStream, context);
            CutAfter = null;
            return continuation(request, new CutStream<TResponse>(responseStream, messages, context.GetHttpContext()), context);
        }

        private void Count(ServerCallContext context)
        {
            Calls.AddOrUpdate(context.Method[(context.Method.LastIndexOf('/') + 1)..], 1, (_, n) => n + 1);
            if (Interlocked.Decrement(ref _failures) >= 0) throw new RpcException(new Status(_failure, "injected by the test"));
        }
    }
}
