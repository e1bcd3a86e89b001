using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>
/// A throw-away Prometheus (Debian's <c>prometheus</c>) on a free loopback port, scraping the given targets' <c>/metrics</c>
/// every second, with its data in a folder of its own that goes with it.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly ChildProcess _process;
    private readonly string _folder;

    private PrometheusServer(ChildProcess process, string folder, int port) => (_process, _folder, Port) = (process, folder, port);

    public int Port { get; }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (host:port) as job <c>distgen</c>; returns once it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> targets, TimeSpan timeout)
    {
        var executable = new[] { "/usr/bin/prometheus", "/usr/sbin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed: apt-get install prometheus (./test.sh does it when run as root).");
        var folder = Directory.CreateTempSubdirectory("distgen-prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: distgen
                metrics_path: /metrics
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        int port = LoopbackPorts.Next();
        var process = ChildProcess.Start("prometheus", executable,
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}", $"--web.listen-address=127.0.0.1:{port}"]);
        var server = new PrometheusServer(process, folder, port);
        var deadline = DateTime.UtcNow + timeout;
        while (!await server.ReadyAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus on port {port} was not ready within {timeout.TotalSeconds} s:\n{process.Tail}");
            }
            await Task.Delay(200);
        }
        return server;
    }

    /// <summary>The instant vector of <paramref name="query"/>: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        var body = await Http.GetStringAsync($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(query)}");
        using var json = JsonDocument.Parse(body);
        if (json.RootElement.GetProperty("status").GetString() != "success") throw new InvalidOperationException($"query {query} failed: {body}");
        return json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => (
                (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    public string Tail => _process.Tail;

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5));
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Prometheus may still be closing a file; the folder is under the temporary directory.
        }
    }

    private async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{Port}/-/ready");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
