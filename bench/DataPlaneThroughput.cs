using System.Diagnostics;
using DistGen.Grains.DataPlane;
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
/// half the bytes; its MiB/s count the float32 bytes the caller handed over.
/// </summary>
public static class DataPlaneThroughput
{
    private const string Secret = "bench-secret";
    private const int MiB = 1 << 20;
    private static readonly (int MiBs, int Repeats)[] Sizes = [(4, 9), (64, 5), (256, 3)];

    public static async Task<IEnumerable<string>> RunAsync()
    {
        await using var server = await StartServerAsync();
        var store = server.Services.GetRequiredService<TensorStore>();
        var endpoint = server.Services.GetRequiredService<ITensorExchange>().LocalEndpoint;
        using var float32 = Client("float32");
        using var bfloat16 = Client("bfloat16");
        using var raw = await RawLoopback.OpenAsync();

        var lines = new List<string>
        {
            "| tensor | raw TCP MiB/s | wire | push MiB/s | pull MiB/s | push / raw | pull / raw |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        };
        int keys = 0;
        foreach (var client in new[] { float32, bfloat16 })
        {
            var warmUp = TensorKey.GradientsOf("bench", keys++, "warm-up");
            await client.PushAsync(endpoint, warmUp, Payload(MiB));
            await client.PullAsync(endpoint, warmUp);
            store.TryTake(warmUp, out _);
        }
        foreach (var (size, repeats) in Sizes)
        {
            var payload = Payload(size * MiB / sizeof(float));
            double rawRate = await MedianAsync(repeats, async () => size / await TimeAsync(() => raw.TransferAsync(size * MiB)));
            foreach (var (name, client) in new[] { ("float32", float32), ("bfloat16", bfloat16) })
            {
                double push = await MedianAsync(repeats, async () =>
                {
                    var key = TensorKey.GradientsOf("bench", keys++, "push");
                    double seconds = await TimeAsync(() => client.PushAsync(endpoint, key, payload));
                    store.TryTake(key, out _);
                    return size / seconds;
                });
                var stored = TensorKey.GradientsOf("bench", keys++, "pull");
                store.TryAdd(stored, payload);
                double pull = await MedianAsync(repeats, async () => size / await TimeAsync(() => client.PullAsync(endpoint, stored)));
                store.TryTake(stored, out _);
                Console.Error.WriteLine($"  {size} MiB {name}: raw {rawRate:F0}, push {push:F0}, pull {pull:F0} MiB/s");
                Console.Error.WriteLine($"    gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms");
                lines.Add($"| {size} MiB | {rawRate:F0} | {name} | {push:F0} | {pull:F0} | {push / rawRate:F2}x | {pull / rawRate:F2}x |");
            }
        }
        return lines;
    }

    private static async Task<double> MedianAsync(int repeats, Func<Task<double>> measure)
    {
        var values = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            // Each repeat starts from a clean heap, so one run's garbage is not the next one's collection.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            values.Add(await measure());
        }
        values.Sort();
        return values[values.Count / 2];
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await action();
        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.Write($" [{seconds * 1000:F0} ms wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms cpu]");
        return seconds;
    }

    private static TensorPayload Payload(int elements)
    {
        var random = new Random(1);
        var data = new float[elements];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle() - 0.5f;
        return new TensorPayload([elements], data);
    }

    private static IConfiguration Settings(string wireFormat) => new ConfigurationBuilder()
        .AddInMemoryCollection(Defaults(wireFormat))
        .AddEnvironmentVariables("DISTGEN__")
        .Build();

    private static Dictionary<string, string?> Defaults(string wireFormat) => new()
    {
        ["DataPlane:Secret"] = Secret,
        ["DataPlane:Port"] = "0",
        ["DataPlane:ListenAddress"] = "127.0.0.1",
        ["DataPlane:MaxStoreBytes"] = (2L << 30).ToString(),
        ["DataPlane:WireFormat"] = wireFormat,
    };

    private static async Task<WebApplication> StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddConfiguration(Settings("float32"));
        builder.Services.AddDistGenDataPlane(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenDistGenDataPlane());
        var app = builder.Build();
        app.MapDistGenDataPlane();
        await app.StartAsync();
        return app;
    }

    private static TensorExchangeClient Client(string wireFormat)
    {
        var options = Settings(wireFormat).GetSection(DataPlaneOptions.Section).Get<DataPlaneOptions>()!;
        return new TensorExchangeClient(Options.Create(options), new ClusterSecret(Secret), NullLoggerFactory.Instance);
    }
}
