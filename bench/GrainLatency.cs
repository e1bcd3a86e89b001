using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;

namespace DistGen.Bench;

/// <summary>Control-plane latency: sequential grain calls from a client to an activated grain of the embedded silo.</summary>
public static class GrainLatency
{
    public static async Task<IEnumerable<string>> RunAsync(int calls = 5_000)
    {
        await using var silo = await EmbeddedSilo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<IJobCoordinatorGrain>("latency-probe");
        // 500 calls first: activation and JIT.
        var samples = await LatencySamples.MeasureAsync(() => grain.GetStatus(), 500, calls);
        double Percentile(double p) => samples.Percentile(p);
        Console.Error.WriteLine($"  grain round trip: median {Percentile(0.5):F0} us");
        return
        [
            "| calls | median µs | p90 µs | p99 µs |",
            "| ---: | ---: | ---: | ---: |",
            $"| {calls:N0} | {Percentile(0.5):F0} | {Percentile(0.9):F0} | {Percentile(0.99):F0} |",
            "",
            "One grain call from the silo's own client (in-process, no network hop) to an active coordinator grain, awaited one " +
            "after another. Ray's synchronous actor call is about 500 µs for comparison.",
        ];
    }
}
