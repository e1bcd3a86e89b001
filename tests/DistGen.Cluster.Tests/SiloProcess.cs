using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>A DistGen.Silo process in a Redis-clustered cluster on 127.0.0.1, with ports the test knows.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient PlainHttp = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly HttpClient _http;

    private readonly string _scheme;

    private SiloProcess(ChildProcess process, string name, int siloPort, int gatewayPort, int httpPort, int dataPlanePort, string artifactsRoot,
        string? authorityPem)
    {
        // A TLS silo serves its HTTP port over https with its silo certificate: trusted here through the cluster's CA only.
        (_http, _scheme) = authorityPem is null ? (PlainHttp, "http") : (TrustingOnly(authorityPem), "https");
        DataPlanePort = dataPlanePort;
        Process = process;
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        ArtifactsRoot = artifactsRoot;
    }

    /// <summary>Where the silo writes the run folders of the jobs whose coordinator starts on it.</summary>
    public string ArtifactsRoot { get; }

    public ChildProcess Process { get; }

    /// <summary>The silo's own log entries so far (DistGen categories, each with its message lines), for failure output.</summary>
    public string DistGenLog
    {
        get
        {
            var kept = new List<string>();
            bool keeping = false;
            foreach (var line in Process.StandardOutput.Split('\n'))
            {
                if (line.Length > 0 && !char.IsWhiteSpace(line[0])) keeping = line.Contains(": DistGen.", StringComparison.Ordinal);
                if (keeping) kept.Add(line);
            }
            return string.Join('\n', kept);
        }
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public int DataPlanePort { get; }

    /// <summary>The silo's address prefix as Orleans prints it (<c>127.0.0.1:port@</c>), without the generation.</summary>
    public string AddressPrefix => $"127.0.0.1:{SiloPort}@";

    /// <summary>Whether an address in either of Orleans' printed forms (<c>S127.0.0.1:port:gen</c>, <c>127.0.0.1:port@gen</c>) is this silo.</summary>
    public bool Is(string siloAddress) =>
        siloAddress.StartsWith(AddressPrefix, StringComparison.Ordinal) || siloAddress.StartsWith($"S127.0.0.1:{SiloPort}:", StringComparison.Ordinal);

    public Uri HttpAddress => new($"{_scheme}://127.0.0.1:{HttpPort}");

    /// <summary>The data-plane secret the test cluster's silos share.</summary>
    public const string Secret = "multi-process-test-secret";

    /// <summary>Starts a silo and returns once its <c>/healthz</c> says Active; <paramref name="settings"/> adds or overrides DISTGEN__ variables.</summary>
    public static async Task<SiloProcess> StartAsync(string name, string clusterId, string redis, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var silo = Launch(name, clusterId, redis, settings);
        var deadline = DateTime.UtcNow + timeout;
        while (await silo.HealthStatusAsync() != "Active")
        {
            if (silo.Process.HasExited || DateTime.UtcNow > deadline)
            {
                silo.Process.Dispose();
                throw new InvalidOperationException($"silo {name} was not Active within {timeout.TotalSeconds} s (exited: {silo.Process.HasExited}):\n{silo.Process.Tail}");
            }
            await Task.Delay(250);
        }
        return silo;
    }

    /// <summary>Starts a silo process and returns at once, before it has joined the cluster.</summary>
    public static SiloProcess Launch(string name, string clusterId, string redis, IReadOnlyDictionary<string, string>? settings = null)
    {
        var (siloPort, gatewayPort, httpPort, dataPlanePort) = (LoopbackPorts.Next(), LoopbackPorts.Next(), LoopbackPorts.Next(), LoopbackPorts.Next());
        var environment = new Dictionary<string, string>
        {
            ["DISTGEN__Cluster__Clustering"] = "Redis",
            ["DISTGEN__Cluster__Redis"] = redis,
            ["DISTGEN__Cluster__ClusterId"] = clusterId,
            ["DISTGEN__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["DISTGEN__Cluster__SiloPort"] = siloPort.ToString(),
            ["DISTGEN__Cluster__GatewayPort"] = gatewayPort.ToString(),
            ["DISTGEN__Cluster__HttpPort"] = httpPort.ToString(),
            ["DISTGEN__Cluster__SiloName"] = name,
            ["DISTGEN__Cluster__ShutdownTimeoutSeconds"] = "20",
            ["DISTGEN__DataPlane__Secret"] = Secret,
            ["DISTGEN__DataPlane__Port"] = dataPlanePort.ToString(),
            ["DISTGEN__DataPlane__ListenAddress"] = "127.0.0.1",
            ["DISTGEN__Artifacts__Root"] = Path.Combine(Path.GetTempPath(), $"distgen-{clusterId}-{name}-runs"),
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        var process = ChildProcess.Start(name, BuiltPrograms.Dotnet, [BuiltPrograms.Silo], environment);
        return new SiloProcess(process, name, siloPort, gatewayPort, httpPort, dataPlanePort, environment["DISTGEN__Artifacts__Root"],
            environment.GetValueOrDefault("DISTGEN__Security__Authority"));
    }

    /// <summary>The status <c>/healthz</c> reports, or null when it does not answer with 200.</summary>
    public async Task<string?> HealthStatusAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(HttpAddress, "/healthz"));
            if (response.StatusCode != HttpStatusCode.OK) return null;
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return health.RootElement.GetProperty("status").GetString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The HTTP status a probe path answers with, or null when the port does not answer (not listening yet).</summary>
    public async Task<HttpStatusCode?> ProbeAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(HttpAddress, path));
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>GETs a path of the silo's HTTP port as bytes, with <paramref name="authorization"/> when given.</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)> GetBytesAsync(string path, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpAddress, path));
        request.Headers.Authorization = authorization;
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>GETs a path of the silo's HTTP port, with <paramref name="authorization"/> when given.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpAddress, path));
        request.Headers.Authorization = authorization;
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static HttpClient TrustingOnly(string authorityPem)
    {
        var authority = X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(authorityPem)).RawData);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
    }

    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync(TimeSpan.FromSeconds(25));
        if (_http != PlainHttp) _http.Dispose();
    }
}
