using System.Diagnostics;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Security.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DistGen.Bench;

/// <summary>
/// MiB/s of a push and a pull through the real TensorExchange gRPC service on loopback (Kestrel and the client in this
/// process), next to a raw loopback TCP socket (one stream, 1 MiB writes) measured in the same run. bfloat16 moves
/// half the bytes; its MiB/s count the float32 bytes the caller handed over. Environment variables
/// <c>DISTGEN__DataPlane__*</c> override the data-plane settings (e.g. <c>DISTGEN__DataPlane__ChunkBytes</c>).
/// </summary>
public static class DataPlaneThroughput
{
    internal const string Secret = "bench-secret";
    private const int MiB = 1 << 20;
    private static readonly (int MiBs, int Repeats)[] Sizes = [(4, 21), (64, 9), (256, 5)];

    public static async Task<IEnumerable<string>> RunAsync()
    {
        await using var server = await StartServerAsync();
        var store = server.Services.GetRequiredService<TensorStore>();
        var endpoint = server.Services.GetRequiredService<ITensorExchange>().LocalEndpoint;
        using var float32 = Client("float32");
        using var bfloat16 = Client("bfloat16");
        // The same client without BatchingConnectionStream, for a before/after comparison in one run.
        using var unbatched = Client("float32", batchSocketCalls: false);
        using var raw = await RawLoopback.OpenAsync();

        var lines = new List<string>
        {
            "| tensor | raw TCP MiB/s | wire | push MiB/s | pull MiB/s | push / raw | pull / raw |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        };
        // Warm-up: enough calls that the JIT has optimised the hot paths (tiering is slow on a busy machine).
        int keys = 0;
        var small = Payload(4 * MiB / sizeof(float));
        for (int i = 0; i < 20; i++)
        {
            await raw.TransferAsync(4 * MiB);
            foreach (var client in new[] { float32, bfloat16, unbatched })
            {
                var warmUp = TensorKey.GradientsOf("bench", keys++, "warm-up");
                await client.PushAsync(endpoint, warmUp, small);
                await client.PullAsync(endpoint, warmUp);
                store.TryTake(warmUp, out _);
            }
        }
        var clients = new[] { ("float32", float32), ("bfloat16", bfloat16), ("float32, unbatched", unbatched) };
        foreach (var (size, repeats) in Sizes)
        {
            var payload = Payload(size * MiB / sizeof(float));
            var stored = TensorKey.GradientsOf("bench", keys++, "pull");
            store.TryAdd(stored, payload);
            // Within each repeat every client runs raw, push and pull in turn, so that each ratio (and the comparison of
            // the clients) is between runs under the same load: the machine is shared.
            var runs = clients.Select(_ => new List<(double Raw, double Push, double Pull)>()).ToArray();
            for (int i = 0; i < repeats; i++)
            {
                for (int c = 0; c < clients.Length; c++)
                {
                    var client = clients[c].Item2;
                    var pushed = TensorKey.GradientsOf("bench", keys++, "push");
                    double rawRate = size / await TimedAsync(() => raw.TransferAsync(size * MiB));
                    double push = size / await TimedAsync(() => client.PushAsync(endpoint, pushed, payload));
                    store.TryTake(pushed, out _);
                    double pull = size / await TimedAsync(() => client.PullAsync(endpoint, stored));
                    runs[c].Add((rawRate, push, pull));
                }
            }
            store.TryTake(stored, out _);
            for (int c = 0; c < clients.Length; c++)
            {
                var name = clients[c].Item1;
                var (r, p, q) = (Median.Of(runs[c].Select(x => x.Raw)), Median.Of(runs[c].Select(x => x.Push)), Median.Of(runs[c].Select(x => x.Pull)));
                double pushRatio = Median.Of(runs[c].Select(x => x.Push / x.Raw)), pullRatio = Median.Of(runs[c].Select(x => x.Pull / x.Raw));
                Console.Error.WriteLine($"  {size} MiB {name}: raw {r:F0}, push {p:F0}, pull {q:F0} MiB/s");
                lines.Add($"| {size} MiB | {r:F0} | {name} | {p:F0} | {q:F0} | {pushRatio:F2}x | {pullRatio:F2}x |");
            }
        }
        lines.AddRange(["",
            "Medians over repeats in which each client runs raw, push and pull in turn; a ratio is the median of the per-repeat ratios. " +
            "bfloat16 rows count float32-equivalent bytes (the wire carries half). Server, client and raw socket share " +
            "this process and its cores; a push is received into a newly allocated tensor, the raw socket into a reused buffer. " +
            "\"unbatched\" rows: the client on SocketsHttpHandler's own connection (DataPlane:BatchSocketCalls=false), one send " +
            "per 16 KiB frame, as before BatchingConnectionStream."]);
        return lines;
    }

    /// <summary>Seconds one transfer takes, started on a freshly collected heap (no earlier run's garbage).</summary>
    internal static async Task<double> TimedAsync(Func<Task> transfer)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        await transfer();
        return clock.Elapsed.TotalSeconds;
    }

    internal static TensorPayload Payload(int elements)
    {
        var random = new Random(1);
        var data = new float[elements];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle() - 0.5f;
        return new TensorPayload([elements], data);
    }

    internal static IConfiguration Settings(string wireFormat, bool batchSocketCalls = true) => new ConfigurationBuilder()
        .AddInMemoryCollection(Defaults(wireFormat, batchSocketCalls))
        .AddEnvironmentVariables("DISTGEN__")
        .Build();

    private static Dictionary<string, string?> Defaults(string wireFormat, bool batchSocketCalls) => new()
    {
        ["DataPlane:BatchSocketCalls"] = batchSocketCalls.ToString(),
        ["DataPlane:Secret"] = Secret,
        ["DataPlane:Port"] = "0",
        ["DataPlane:ListenAddress"] = "127.0.0.1",
        ["DataPlane:MaxStoreBytes"] = (2L << 30).ToString(),
        ["DataPlane:WireFormat"] = wireFormat,
    };

    internal static async Task<WebApplication> StartServerAsync(TransportSecurity? security = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddConfiguration(Settings("float32"));
        if (security is not null) builder.Services.AddSingleton(security);
        configure?.Invoke(builder);
        builder.Services.AddDistGenDataPlane(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenDistGenDataPlane());
        var app = builder.Build();
        app.MapDistGenDataPlane();
        await app.StartAsync();
        return app;
    }

    internal static TensorExchangeClient Client(string wireFormat, bool batchSocketCalls = true, TransportSecurity? security = null)
    {
        var options = Settings(wireFormat, batchSocketCalls).GetSection(DataPlaneOptions.SectionName).Get<DataPlaneOptions>()!;
        return new TensorExchangeClient(Options.Create(options), new ClusterSecret(Secret), NullLoggerFactory.Instance, security);
    }
}
