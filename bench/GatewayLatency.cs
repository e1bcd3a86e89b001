using System.Diagnostics;
using System.Globalization;
using System.Net;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistGen.Bench;

/// <summary>
/// Control-plane round trip as a console sees it: a separate client process (this bench program, started again as
/// <c>gateway-client</c>) connects to an embedded silo's gateway over TCP loopback and calls an active grain, one call after
/// another. The parent runs the silo and reports the child's percentiles.
/// </summary>
public static class GatewayLatency
{
    public const string ClientMode = "gateway-client";
    private const int Calls = 5_000;
    private const int WarmUp = 500;

    public static async Task<IEnumerable<string>> RunAsync()
    {
        var runs = Directory.CreateTempSubdirectory("distgen-bench-gateway-");
        try
        {
            return await MeasureAsync(runs.FullName);
        }
        finally
        {
            runs.Delete(recursive: true);
        }
    }

    private static async Task<IEnumerable<string>> MeasureAsync(string artifactsRoot)
    {
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { GatewayPort = 0, ArtifactsRoot = artifactsRoot });
        int port = silo.Endpoints.GatewayPort ?? throw new InvalidOperationException("the embedded silo opened no gateway");
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        // Run as `dotnet DistGen.Bench.dll`, the process is dotnet and the program its first argument.
        var program = Environment.GetCommandLineArgs()[0];
        if (program.EndsWith(".dll", StringComparison.Ordinal)) start.ArgumentList.Add(program);
        foreach (var argument in new[] { ClientMode, port.ToString(CultureInfo.InvariantCulture), new EmbeddedSiloOptions().ClusterId }) start.ArgumentList.Add(argument);
        using var child = Process.Start(start)!;
        // Both pipes at once: a child that filled one while the other was read would block.
        var (outputRead, errorsRead) = (child.StandardOutput.ReadToEndAsync(), child.StandardError.ReadToEndAsync());
        var (output, errors) = (await outputRead, await errorsRead);
        await child.WaitForExitAsync();
        if (child.ExitCode != 0) throw new InvalidOperationException($"the gateway client failed ({child.ExitCode}): {errors}");
        var figures = output.Trim().Split(' ').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        Console.Error.WriteLine($"  through the gateway: median {figures[0]:F0} us");
        return
        [
            "| calls | median µs | p90 µs | p99 µs |",
            "| ---: | ---: | ---: | ---: |",
            string.Create(CultureInfo.InvariantCulture, $"| {Calls:N0} | {figures[0]:F0} | {figures[1]:F0} | {figures[2]:F0} |"),
            "",
            $"A client in another process (the bench program started again) connected to an embedded silo's gateway over TCP " +
            $"loopback, calling `GetStatus` of an active coordinator grain one call after another, {Calls:N0} calls after {WarmUp} to warm up. " +
            "Client and silo share the 2 cores; the network stack is crossed, no wire. Ray's synchronous actor call is about 500 µs.",
        ];
    }

    /// <summary>The child's side: connects, calls, prints "p50 p90 p99" in µs.</summary>
    public static async Task<int> ClientAsync(int port, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<Orleans.Configuration.ClusterOptions>(cluster => (cluster.ClusterId, cluster.ServiceId) = (clusterId, clusterId));
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, port));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grain = host.Services.GetRequiredService<IClusterClient>().GetGrain<IJobCoordinatorGrain>("latency-probe");
        var samples = await LatencySamples.MeasureAsync(() => grain.GetStatus(), WarmUp, Calls);
        double Percentile(double p) => samples.Percentile(p);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Percentile(0.5):F1} {Percentile(0.9):F1} {Percentile(0.99):F1}"));
        await host.StopAsync();
        return 0;
    }
}
