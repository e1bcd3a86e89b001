using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DistGen.Grains.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Silo;

public sealed class EmbeddedSiloTests
{
    [Fact]
    public async Task An_embedded_silo_is_active_answers_healthz_on_loopback_and_closes_its_port_when_disposed()
    {
        int port;
        await using (var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { HttpPort = 0 }))
        {
            port = silo.Endpoints.HttpPort!.Value;
            Assert.Equal(IPAddress.Loopback, silo.Endpoints.ListenAddress);
            using var http = new HttpClient();
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // Health and nothing else: anyone may ask, so the silo's name, address and cluster are not in it.
            Assert.Equal("""{"status":"Active"}""", await response.Content.ReadAsStringAsync());
            // The HTTP port serves its own routes only: the data plane's services are not there.
            foreach (var route in new[] { "distgen.dataplane.v1.TensorExchange/Push", "distgen.dataplane.v1.ArtifactExchange/Download" })
            {
                using var dataPlane = await http.PostAsync($"http://127.0.0.1:{port}/{route}", new ByteArrayContent([]));
                Assert.Equal(HttpStatusCode.NotFound, dataPlane.StatusCode);
            }
        }
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task An_active_silo_answers_its_three_probes_naming_each_check()
    {
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { HttpPort = 0 });
        using var http = new HttpClient();
        async Task<(HttpStatusCode Status, JsonElement Body)> Probe(string path)
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{silo.Endpoints.HttpPort}{path}");
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        string[] Checks(JsonElement body) => body.GetProperty("checks").EnumerateArray()
            .Select(c => $"{c.GetProperty("name").GetString()}: {c.GetProperty("status").GetString()}").Order().ToArray();

        var live = await Probe("/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.Empty(Checks(live.Body));
        var ready = await Probe("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        // The embedded silo keeps nothing in Redis: no Redis check.
        Assert.Equal(["active in the cluster: Healthy", "data plane listening: Healthy"], Checks(ready.Body));
        var startup = await Probe("/healthz/startup");
        Assert.Equal(HttpStatusCode.OK, startup.Status);
        Assert.Equal(["started: Healthy"], Checks(startup.Body));
    }

    [Fact]
    public async Task An_embedded_silo_without_a_port_serves_grains_through_its_client()
    {
        await using var silo = await EmbeddedSilo.StartAsync();

        Assert.Null(silo.Endpoints.HttpPort);
        Assert.Null(silo.Endpoints.GatewayPort);
        var hosts = await silo.GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(SiloStatus.Active, Assert.Single(hosts).Value);
    }

    [Fact]
    public void A_process_without_the_cluster_providers_refuses_redis_clustering_and_says_which_host_to_run()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var options = new ClusterHostOptions { Clustering = ClusteringMode.Redis, Redis = "127.0.0.1:6379" };
        var failure = Assert.Single(Assert.Throws<OptionsValidationException>(() => builder.AddDistGenSilo(options)).Failures);
        Assert.Contains("run the DistGen.Silo host", failure);
    }
}
