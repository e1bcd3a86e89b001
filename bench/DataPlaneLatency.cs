using System.Diagnostics;
using System.Globalization;
using DistGen.Grains.DataPlane;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Bench;

/// <summary>
/// Latency of a small tensor through the real TensorExchange gRPC service on loopback (Kestrel and the client in this
/// process, the path a tensor takes between two silos of one machine): a 64 KiB float32 push followed by a pull of the
/// same key, repeated, with the percentiles of the pair and of each call. Beside it, in the same loop: the same pair for
/// an empty tensor (what a call costs before any data), and a raw loopback socket moving the same 128 KiB (64 KiB each
/// way, as two one-way transfers). Garbage is not collected between calls: this is the steady state, reached after a
/// warm-up long enough for the JIT's tiering (the first pairs after start-up are reported apart).
/// </summary>
public static class DataPlaneLatency
{
    private const int Bytes = 64 * 1024;
    private const int Cold = 500;
    // Measured here: calls stayed about 2x slower through their first 7,500, until tiered compilation had optimised the hot paths.
    private const int WarmUp = 6000;
    private const int Samples = 3000;

    public static async Task<IEnumerable<string>> RunAsync()
    {
        await using var server = await DataPlaneThroughput.StartServerAsync();
        var store = server.Services.GetRequiredService<TensorStore>();
        var endpoint = server.Services.GetRequiredService<ITensorExchange>().LocalEndpoint;
        using var client = DataPlaneThroughput.Client("float32");
        using var raw = await RawLoopback.OpenAsync();
        var payload = DataPlaneThroughput.Payload(Bytes / sizeof(float));
        var empty = new TensorPayload([0], []);

        var cold = new List<double>(Cold);
        var (pairs, pushes, pulls, emptyPairs, socket) = (new List<double>(Samples), new List<double>(Samples), new List<double>(Samples), new List<double>(Samples), new List<double>(Samples));
        for (int i = 0; i < WarmUp + Samples; i++)
        {
            // Interleaved, so that all see the same load on a shared machine.
            var key = TensorKey.GradientsOf("bench-latency", i, "small");
            var clock = Stopwatch.StartNew();
            await client.PushAsync(endpoint, key, payload);
            double push = clock.Elapsed.TotalMicroseconds;
            await client.PullAsync(endpoint, key);
            double pair = clock.Elapsed.TotalMicroseconds;
            store.TryTake(key, out _);
            if (i < Cold) cold.Add(pair);
            if (i < WarmUp) continue;

            var emptyKey = TensorKey.GradientsOf("bench-latency", i, "empty");
            clock.Restart();
            await client.PushAsync(endpoint, emptyKey, empty);
            await client.PullAsync(endpoint, emptyKey);
            double emptyPair = clock.Elapsed.TotalMicroseconds;
            store.TryTake(emptyKey, out _);
            clock.Restart();
            await raw.TransferAsync(Bytes);
            await raw.TransferAsync(Bytes);
            socket.Add(clock.Elapsed.TotalMicroseconds);
            pairs.Add(pair);
            pushes.Add(push);
            pulls.Add(pair - push);
            emptyPairs.Add(emptyPair);
        }
        return
        [
            $"{Samples:N0} samples after {WarmUp:N0} pairs to warm up; float32 wire; one process, loopback, not crossing a network; the client's and the server's threads share the cores.",
            "",
            "| what | p50 µs | p90 µs | p99 µs | mean µs |",
            "| --- | ---: | ---: | ---: | ---: |",
            Row("64 KiB push + pull (TensorExchange gRPC)", pairs),
            Row("64 KiB push alone", pushes),
            Row("64 KiB pull alone", pulls),
            Row("empty tensor push + pull (the calls without data)", emptyPairs),
            Row("raw TCP socket, 2 x 64 KiB", socket),
            Row($"64 KiB push + pull, the first {Cold} pairs after start-up", cold),
        ];
    }

    private static string Row(string what, List<double> microseconds)
    {
        var sorted = microseconds.Order().ToArray();
        double At(double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(quantile * sorted.Length))];
        return string.Create(CultureInfo.InvariantCulture, $"| {what} | {At(0.50):F0} | {At(0.90):F0} | {At(0.99):F0} | {sorted.Average():F0} |");
    }
}
