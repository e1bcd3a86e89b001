using System.Diagnostics;
using System.Globalization;
using DistGen.Grains.DataPlane;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Bench;

/// <summary>
/// Latency of a small tensor through the real TensorExchange gRPC service on loopback (Kestrel and the client in this
/// process, the path a tensor takes between two silos of one machine): a 64 KiB float32 push followed by a pull of the
/// same key, repeated, with the percentiles of the pair. Beside it, in the same run, a raw loopback socket moving the same
/// 128 KiB (64 KiB each way, as two one-way transfers). Garbage is not collected between calls: this is the steady state.
/// </summary>
public static class DataPlaneLatency
{
    private const int Bytes = 64 * 1024;
    private const int WarmUp = 500;
    private const int Samples = 3000;

    public static async Task<IEnumerable<string>> RunAsync()
    {
        await using var server = await DataPlaneThroughput.StartServerAsync();
        var store = server.Services.GetRequiredService<TensorStore>();
        var endpoint = server.Services.GetRequiredService<ITensorExchange>().LocalEndpoint;
        using var client = DataPlaneThroughput.Client("float32");
        using var raw = await RawLoopback.OpenAsync();
        var payload = DataPlaneThroughput.Payload(Bytes / sizeof(float));

        var exchange = new List<double>(Samples);
        var socket = new List<double>(Samples);
        for (int i = 0; i < WarmUp + Samples; i++)
        {
            // Interleaved, so that both see the same load on a shared machine.
            var key = TensorKey.GradientsOf("bench-latency", i, "small");
            var clock = Stopwatch.StartNew();
            await client.PushAsync(endpoint, key, payload);
            await client.PullAsync(endpoint, key);
            double pair = clock.Elapsed.TotalMicroseconds;
            store.TryTake(key, out _);
            clock.Restart();
            await raw.TransferAsync(Bytes);
            await raw.TransferAsync(Bytes);
            double rawPair = clock.Elapsed.TotalMicroseconds;
            if (i < WarmUp) continue;
            exchange.Add(pair);
            socket.Add(rawPair);
        }
        return
        [
            $"{Samples:N0} pairs after {WarmUp} to warm up; float32 wire; one process, loopback, not crossing a network; the client's and the server's threads share the cores.",
            "",
            "| 64 KiB push + pull | p50 µs | p90 µs | p99 µs | mean µs |",
            "| --- | ---: | ---: | ---: | ---: |",
            Row("TensorExchange gRPC", exchange),
            Row("raw TCP socket, 2 x 64 KiB", socket),
        ];
    }

    private static string Row(string what, List<double> microseconds)
    {
        var sorted = microseconds.Order().ToArray();
        double At(double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(quantile * sorted.Length))];
        return string.Create(CultureInfo.InvariantCulture, $"| {what} | {At(0.50):F0} | {At(0.90):F0} | {At(0.99):F0} | {sorted.Average():F0} |");
    }
}
