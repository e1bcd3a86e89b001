using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>
/// Redis and two silos with mutual TLS from <c>distgen cert init</c>, plus a second CA whose certificates stand for
/// an outsider's. Stops what it started.
/// </summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly List<SiloProcess> _silos = [];

    public string ClusterId { get; } = $"distgen-tls-{Guid.NewGuid():N}"[..20];
    public RedisServer Redis { get; private set; } = null!;
    public ClusterCertificates Ours { get; private set; } = null!;
    public ClusterCertificates Foreign { get; private set; } = null!;
    public IReadOnlyList<SiloProcess> Silos => _silos;

    public async Task InitializeAsync()
    {
        Ours = await ClusterCertificates.CreateAsync("ours");
        Foreign = await ClusterCertificates.CreateAsync("outsider");
        Redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(15));
        try
        {
            foreach (var name in new[] { "tls-a", "tls-b" }) _silos.Add(await StartSiloAsync(name, Ours));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A silo of this cluster holding the silo certificate of <paramref name="certificates"/>.</summary>
    public Task<SiloProcess> StartSiloAsync(string name, ClusterCertificates certificates, TimeSpan? timeout = null) =>
        SiloProcess.StartAsync(name, ClusterId, Redis.Endpoint, timeout ?? StartTimeout, certificates.SiloSettings());

    /// <summary>distgen's connection flags with the given TLS flags; a loaded machine may take a while to connect.</summary>
    public string[] Connection(params string[] tls) => ["--redis", Redis.Endpoint, "--cluster-id", ClusterId, .. ClusterFixture.PatientConnect, .. tls];

    /// <summary>The same for a client that is expected to be refused: it gives up sooner.</summary>
    public string[] RefusedConnection(params string[] tls) => ["--redis", Redis.Endpoint, "--cluster-id", ClusterId, "--connect-timeout", "8", .. tls];

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask()));
        if (Redis is not null) await Redis.DisposeAsync();
        Ours?.Dispose();
        Foreign?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TlsClusterCollection : ICollectionFixture<TlsClusterFixture>
{
    public const string Name = "TlsCluster";
}

/// <summary>What mutual TLS lets through and what it stops, tried with our console and with raw TLS clients.</summary>
[Collection(TlsClusterCollection.Name)]
public sealed class TlsClusterTests(TlsClusterFixture cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-tls-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string SmallVae = """
        { "apiVersion": "distgen/v1", "name": "vae-tls", "workload": "vae", "seed": 2,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 },
          "training": { "steps": 20, "batchSize": 32, "trainLimit": 1000, "testLimit": 100, "logEvery": 10, "evalEvery": 10 },
          "cluster": { "workers": 2 } }
        """;

    [Fact]
    public async Task A_job_submitted_with_an_operator_certificate_runs_on_both_silos_over_tls_and_a_viewer_follows_it_but_cannot_submit_or_cancel()
    {
        var spec = Path.Combine(_folder, "vae.json");
        await File.WriteAllTextAsync(spec, SmallVae);
        var operatorCredentials = cluster.Ours.ClientArguments("operator");
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.Connection(operatorCredentials)]);
        Assert.True(submit.ExitCode == 0, $"submit exit {submit.ExitCode}:\n{submit.Tail}");
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();

        var watch = await ClusterFixture.RunDistgenAsync(["watch", jobId, .. cluster.Connection(operatorCredentials)], TimeSpan.FromMinutes(3));
        Assert.True(watch.ExitCode == 0, $"watch exit {watch.ExitCode}:\n{watch.Tail}");
        var status = await ClusterFixture.RunDistgenAsync(["status", jobId, "--json", .. cluster.Connection(operatorCredentials)]);
        using var json = status.Json();
        Assert.Equal("Succeeded", json.RootElement.GetProperty("State").GetString());
        // Workers on both silos: gradients and parameters crossed the TLS data plane.
        Assert.Equal(2, json.RootElement.GetProperty("WorkerSilos").GetArrayLength());

        // A viewer reads everything (the silos check the role each call is signed with) and changes nothing.
        var viewerCredentials = cluster.Ours.ClientArguments("viewer");
        var viewerStatus = await ClusterFixture.RunDistgenAsync(["status", jobId, .. cluster.Connection(viewerCredentials)]);
        Assert.True(viewerStatus.ExitCode == 0, $"viewer status exit {viewerStatus.ExitCode}:\n{viewerStatus.Tail}");
        var fetch = await ClusterFixture.RunDistgenAsync(["fetch", jobId, "--out", Path.Combine(_folder, "viewer-fetch"), .. cluster.Connection(viewerCredentials)]);
        Assert.True(fetch.ExitCode == 0, $"viewer fetch exit {fetch.ExitCode}:\n{fetch.Tail}");
        Assert.True(File.Exists(Path.Combine(_folder, "viewer-fetch", "summary.json")), fetch.Tail);
        // The job page's sample from either silo, over https with the token: the silo that is not the coordinator's
        // downloads it over the TLS data plane with its own silo certificate.
        var token = new AuthenticationHeaderValue("Bearer", cluster.Ours.HttpToken);
        foreach (var silo in cluster.Silos)
        {
            var sample = await silo.GetAsync($"/jobs/{jobId}/sample", token);
            Assert.True(sample.Status == System.Net.HttpStatusCode.OK, $"{silo.Name}: {sample.Status} {sample.Body}");
            Assert.Contains("\"fileName\":\"samples.png\"", sample.Body);
            var png = await silo.GetBytesAsync($"/jobs/{jobId}/sample/samples.png", token);
            Assert.Equal(System.Net.HttpStatusCode.OK, png.Status);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_folder, "viewer-fetch", "samples.png")), png.Body);
        }

        await File.WriteAllTextAsync(spec, SmallVae.Replace("vae-tls", "viewer-job"));
        var viewerSubmit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.Connection(viewerCredentials)]);
        Assert.True(viewerSubmit.ExitCode == 4, $"viewer submit exit {viewerSubmit.ExitCode}:\n{viewerSubmit.Tail}");
        Assert.Contains("Submit needs an operator certificate", viewerSubmit.Tail);
        var viewerCancel = await ClusterFixture.RunDistgenAsync(["cancel", jobId, .. cluster.Connection(viewerCredentials)]);
        Assert.True(viewerCancel.ExitCode == 4, $"viewer cancel exit {viewerCancel.ExitCode}:\n{viewerCancel.Tail}");
        Assert.Contains("Cancel needs an operator certificate", viewerCancel.Tail);
        var list = await ClusterFixture.RunDistgenAsync(["list", "--json", .. cluster.Connection(viewerCredentials)]);
        Assert.True(list.ExitCode == 0, list.Tail);
        Assert.DoesNotContain("viewer-job", list.StandardOutput);
    }

    [Fact]
    public async Task Clients_without_a_certificate_or_with_another_CAs_cannot_reach_the_gateway_and_submit_nothing()
    {
        var spec = Path.Combine(_folder, "outsider.json");
        await File.WriteAllTextAsync(spec, SmallVae.Replace("vae-tls", "outsider-job"));

        var plaintext = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.RefusedConnection()]);
        Assert.True(plaintext.ExitCode == 3, $"exit {plaintext.ExitCode}:\n{plaintext.Tail}");
        Assert.True(plaintext.Tail.Contains("give --cert, --key and --ca", StringComparison.Ordinal), plaintext.Tail);

        // An outsider's own CA: the console refuses the gateway (it is not the CA it trusts) and the gateway refuses it.
        var outsider = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.RefusedConnection(cluster.Foreign.ClientArguments("operator"))]);
        Assert.True(outsider.ExitCode == 3, $"exit {outsider.ExitCode}:\n{outsider.Tail}");
        Assert.True(outsider.Tail.Contains("refused the gateway's certificate", StringComparison.Ordinal), outsider.Tail);

        // A certificate of another CA offered with our CA: refused before connecting.
        var mixed = await ClusterFixture.RunDistgenAsync(["list", .. cluster.RefusedConnection(cluster.Foreign.ClientArguments("operator", authority: cluster.Ours))]);
        Assert.True(mixed.ExitCode == 2, $"exit {mixed.ExitCode}:\n{mixed.Tail}");
        Assert.Contains("not issued by the cluster's CA", mixed.Tail);

        var list = await ClusterFixture.RunDistgenAsync(["list", "--json", .. cluster.Connection(cluster.Ours.ClientArguments("viewer"))]);
        Assert.True(list.ExitCode == 0, list.Tail);
        Assert.DoesNotContain("outsider-job", list.StandardOutput);
    }

    [Fact]
    public async Task The_dashboard_metrics_and_job_pages_answer_401_without_the_token_and_200_with_it_over_https_while_healthz_says_only_health()
    {
        var silo = cluster.Silos[0];
        Assert.Equal("https", silo.HttpAddress.Scheme);

        var anonymous = await silo.GetAsync("/dashboard/");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.Status);
        var wrong = await silo.GetAsync("/dashboard/", new AuthenticationHeaderValue("Bearer", cluster.Foreign.HttpToken));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrong.Status);
        // What the dashboard's page asks for once it is open: the cluster's silos and their counters.
        var bearer = await silo.GetAsync("/dashboard/", new AuthenticationHeaderValue("Bearer", cluster.Ours.HttpToken));
        Assert.True(bearer.Status == System.Net.HttpStatusCode.OK, $"{bearer.Status}: {bearer.Body}");
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"someone:{cluster.Ours.HttpToken}"));
        var counters = await silo.GetAsync("/dashboard/DashboardCounters", new AuthenticationHeaderValue("Basic", basic));
        Assert.True(counters.Status == System.Net.HttpStatusCode.OK, $"{counters.Status}: {counters.Body}");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await silo.GetAsync("/dashboard/DashboardCounters")).Status);
        // The metrics and the job pages sit behind the same token; with it they answer over https too.
        foreach (var path in new[] { "/metrics", "/jobs", "/jobs/_api/list" })
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await silo.GetAsync(path)).Status);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await silo.GetAsync(path, new AuthenticationHeaderValue("Bearer", cluster.Foreign.HttpToken))).Status);
            var admitted = await silo.GetAsync(path, new AuthenticationHeaderValue("Bearer", cluster.Ours.HttpToken));
            Assert.True(admitted.Status == System.Net.HttpStatusCode.OK, $"{path}: {admitted.Status}: {admitted.Body}");
        }
        // The dashboard's live log stream is off.
        var trace = await silo.GetAsync("/dashboard/Trace", new AuthenticationHeaderValue("Bearer", cluster.Ours.HttpToken));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, trace.Status);

        var health = await silo.GetAsync("/healthz");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.Status);
        Assert.Equal("""{"status":"Active"}""", health.Body);
        // Kubernetes' probes carry no token: they answer anyone, and only them.
        foreach (var probe in new[] { "/healthz/live", "/healthz/ready", "/healthz/startup" })
            Assert.Equal(System.Net.HttpStatusCode.OK, (await silo.GetAsync(probe)).Status);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await silo.GetAsync("/healthzx")).Status);
        // A path that climbs out of /healthz reaches nothing without the token (refused, or no such route).
        foreach (var climbing in new[] { "/healthz/../dashboard/", "/healthz/%2e%2e/dashboard/DashboardCounters" })
            Assert.Contains((await silo.GetAsync(climbing)).Status, new[] { System.Net.HttpStatusCode.Unauthorized, System.Net.HttpStatusCode.NotFound });
    }

    [Fact]
    public async Task A_silo_keeps_its_membership_in_a_redis_that_speaks_only_tls_trusting_the_named_CA()
    {
        // Redis's certificate is the cluster CA's silo certificate (it names 127.0.0.1): no machine trusts that CA.
        await using var redis = await RedisServer.StartTlsAsync(TimeSpan.FromSeconds(15), cluster.Ours.PathOf("silo.pem"), cluster.Ours.PathOf("silo.key"));
        var clusterId = $"{cluster.ClusterId}-redis-tls";
        var settings = new Dictionary<string, string>(cluster.Ours.SiloSettings())
        {
            ["DISTGEN__Cluster__RedisAuthority"] = cluster.Ours.PathOf("ca.pem"),
        };
        // Redis has no plaintext port: becoming Active proves membership went over TLS.
        await using var silo = await SiloProcess.StartAsync("redis-tls", clusterId, $"{redis.Endpoint},ssl=true", TimeSpan.FromSeconds(90), settings);

        var members = await ClusterFixture.RunDistgenAsync(["cluster", "--json", "--gateway", $"127.0.0.1:{silo.GatewayPort}", "--cluster-id", clusterId,
            .. ClusterFixture.PatientConnect, .. cluster.Ours.ClientArguments("viewer")]);
        Assert.True(members.ExitCode == 0, $"exit {members.ExitCode}:\n{members.Tail}");
        Assert.Contains("redis-tls", members.StandardOutput);
    }

    public static TheoryData<string> Ports => new() { "gateway", "silo", "data plane" };

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task Each_port_refuses_plaintext_no_certificate_and_another_CAs_certificate_but_keeps_a_silo(string port)
    {
        var silo = cluster.Silos[0];
        int number = port switch { "gateway" => silo.GatewayPort, "silo" => silo.SiloPort, _ => silo.DataPlanePort };
        bool http2 = port == "data plane";
        using var foreign = TlsProbe.Load(cluster.Foreign, "silo");
        using var ours = TlsProbe.Load(cluster.Ours, "silo");

        Assert.Equal(TlsProbe.Outcome.Refused, await PlaintextAsync(number));
        var none = await TlsProbe.HandshakeAsync(number, null, http2);
        Assert.True(none.Outcome == TlsProbe.Outcome.Refused, $"{port} kept a client without a certificate: {none.Detail}");
        var outsider = await TlsProbe.HandshakeAsync(number, foreign, http2);
        Assert.True(outsider.Outcome == TlsProbe.Outcome.Refused, $"{port} kept a certificate of another CA: {outsider.Detail}");
        // The control: the same probe with our silo certificate is kept, so the refusals above are the certificates'.
        var member = await TlsProbe.HandshakeAsync(number, ours, http2);
        Assert.True(member.Outcome == TlsProbe.Outcome.Kept, $"{port} refused our own silo certificate: {member.Detail}");
    }

    [Fact]
    public async Task A_client_certificate_of_the_cluster_is_refused_where_only_silos_may_connect()
    {
        var silo = cluster.Silos[0];
        using var viewer = TlsProbe.Load(cluster.Ours, "viewer");
        using var operatorCertificate = TlsProbe.Load(cluster.Ours, "operator");
        using var siloCertificate = TlsProbe.Load(cluster.Ours, "silo");
        foreach (var certificate in new[] { viewer, operatorCertificate })
        {
            var probe = await TlsProbe.HandshakeAsync(silo.SiloPort, certificate, http2: false);
            Assert.True(probe.Outcome == TlsProbe.Outcome.Refused, $"the silo port kept {certificate.Subject}: {probe.Detail}");
            // The data plane keeps a console's connection for artifact downloads (distgen fetch, with tickets), but its
            // tensor methods answer silo certificates only, even to a caller that knows the cluster secret.
            Assert.Equal("7", await TensorPullStatusAsync(silo.DataPlanePort, certificate)); // PERMISSION_DENIED
        }
        // The control: a silo's connection gets past that check, to be told its (empty) request names no tensor.
        Assert.Equal("3", await TensorPullStatusAsync(silo.DataPlanePort, siloCertificate)); // INVALID_ARGUMENT
        var gateway = await TlsProbe.HandshakeAsync(silo.GatewayPort, viewer, http2: false);
        Assert.True(gateway.Outcome == TlsProbe.Outcome.Kept, $"the gateway refused a viewer: {gateway.Detail}");
    }

    [Fact]
    public async Task A_silo_with_a_certificate_of_another_CA_cannot_join_the_cluster()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var intruder = await cluster.StartSiloAsync("tls-intruder", cluster.Foreign, TimeSpan.FromSeconds(40));
        });
        var members = await ClusterFixture.RunDistgenAsync(["cluster", "--json", .. cluster.Connection(cluster.Ours.ClientArguments("viewer"))]);
        Assert.True(members.ExitCode == 0, members.Tail);
        using var json = JsonDocument.Parse(members.StandardOutput);
        var active = json.RootElement.GetProperty("silos").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() == "Active").Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["tls-a", "tls-b"], active.Order());
    }

    // The grpc-status of a raw TensorExchange/Pull (an empty request) with the cluster secret, over TLS with the given certificate.
    private static async Task<string?> TensorPullStatusAsync(int port, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"https://127.0.0.1:{port}/distgen.dataplane.v1.TensorExchange/Pull")
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(new byte[5]), // one gRPC message of length 0
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Add("x-distgen-secret", SiloProcess.Secret);
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        // A refusal before any message comes as headers only; otherwise in the trailers.
        return response.Headers.TryGetValues("grpc-status", out var early) ? early.First()
            : response.TrailingHeaders.TryGetValues("grpc-status", out var late) ? late.First() : null;
    }

    // Cleartext bytes where TLS is expected: the server ends the connection.
    private static async Task<TlsProbe.Outcome> PlaintextAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n hello, no TLS here\r\n"u8.ToArray());
            var buffer = new byte[4096];
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await stream.ReadAsync(buffer, limit.Token) > 0) { }
            return TlsProbe.Outcome.Refused;
        }
        catch (OperationCanceledException)
        {
            return TlsProbe.Outcome.Kept;
        }
        catch (IOException)
        {
            return TlsProbe.Outcome.Refused;
        }
    }
}
