using System.Net;
using System.Text.Json;

namespace DistGen.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterMembershipTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Distgen_cluster_json_lists_both_silos_as_active()
    {
        var run = await ClusterFixture.RunDistgenAsync(["cluster", "--json", .. cluster.ConnectionArguments]);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Tail}");
        using var json = JsonDocument.Parse(run.StandardOutput);
        Assert.Equal(cluster.ClusterId, json.RootElement.GetProperty("clusterId").GetString());
        var silos = json.RootElement.GetProperty("silos").EnumerateArray().ToList();
        foreach (var silo in cluster.Silos)
        {
            var listed = Assert.Single(silos, s => s.GetProperty("address").GetString()!.StartsWith(silo.AddressPrefix, StringComparison.Ordinal));
            Assert.Equal("Active", listed.GetProperty("status").GetString());
            Assert.Equal(silo.Name, listed.GetProperty("name").GetString());
            Assert.Equal(silo.GatewayPort, listed.GetProperty("gatewayPort").GetInt32());
        }
    }

    [Fact]
    public async Task Distgen_cluster_through_a_gateway_shows_a_table_of_the_silos()
    {
        var run = await ClusterFixture.RunDistgenAsync(
            ["cluster", "--gateway", $"127.0.0.1:{cluster.Silos[0].GatewayPort}", "--cluster-id", cluster.ClusterId, .. ClusterFixture.PatientConnect]);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Tail}");
        foreach (var silo in cluster.Silos) Assert.Contains(silo.Name, run.StandardOutput);
        Assert.Contains("active silo(s)", run.StandardOutput);
    }

    [Fact]
    public async Task Dashboard_counters_answer_with_both_silos()
    {
        var (status, body) = await cluster.Silos[1].GetAsync("/dashboard/DashboardCounters");

        Assert.Equal(HttpStatusCode.OK, status);
        using var counters = JsonDocument.Parse(body);
        var hosts = counters.RootElement.GetProperty("hosts").EnumerateArray().ToList();
        foreach (var silo in cluster.Silos)
        {
            var host = Assert.Single(hosts, h => h.GetProperty("siloAddress").GetString()!.StartsWith(silo.AddressPrefix, StringComparison.Ordinal));
            Assert.Equal("Active", host.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task The_data_plane_port_serves_neither_the_dashboard_nor_healthz()
    {
        var silo = cluster.Silos[0];
        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var path in new[] { "/healthz", "/dashboard/", "/dashboard/DashboardCounters" })
        {
            using var response = await h2c.GetAsync($"http://127.0.0.1:{silo.DataPlanePort}{path}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} on the data-plane port: {response.StatusCode}");
        }
        // The control: the same routes on the HTTP port.
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/healthz")).Status);
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/dashboard/DashboardCounters")).Status);
    }

    [Fact]
    public async Task The_dashboards_live_log_stream_is_off()
    {
        var (status, body) = await cluster.Silos[0].GetAsync("/dashboard/Trace");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("disabled", body);
    }

    [Fact]
    public async Task A_silo_stopped_with_SIGTERM_exits_0_and_the_others_see_it_leave()
    {
        var leaving = await cluster.StartSiloAsync("silo-leaving");
        try
        {
            Assert.Equal("Active", await StatusSeenByOthersAsync(leaving, until: "Active"));

            leaving.Process.Terminate();

            Assert.True(await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"still running 30 s after SIGTERM:\n{leaving.Process.Tail}");
            Assert.True(leaving.Process.ExitCode == 0, $"exit {leaving.Process.ExitCode}:\n{leaving.Process.Tail}");
            Assert.Equal("Dead", await StatusSeenByOthersAsync(leaving, until: "Dead"));
            foreach (var silo in cluster.Silos) Assert.Equal("Active", await silo.HealthStatusAsync());
        }
        finally
        {
            await leaving.DisposeAsync();
        }
    }

    [Fact]
    public async Task Distgen_cluster_exits_3_with_one_line_of_advice_when_no_silo_listens()
    {
        var run = await ClusterFixture.RunDistgenAsync(
            ["cluster", "--gateway", $"127.0.0.1:{LoopbackPorts.Next()}", "--connect-timeout", "2"], TimeSpan.FromSeconds(30));

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Tail.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("start a silo or check --redis/--gateway", line);
    }

    // The silo's status as the cluster's membership reports it to distgen cluster --all, polled until it is `until`.
    private async Task<string?> StatusSeenByOthersAsync(SiloProcess silo, string until)
    {
        string? status = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var run = await ClusterFixture.RunDistgenAsync(["cluster", "--json", "--all", .. cluster.ConnectionArguments]);
            if (run.ExitCode == 0)
            {
                using var json = JsonDocument.Parse(run.StandardOutput);
                status = json.RootElement.GetProperty("silos").EnumerateArray()
                    .Where(s => s.GetProperty("address").GetString()!.StartsWith(silo.AddressPrefix, StringComparison.Ordinal))
                    .Select(s => s.GetProperty("status").GetString()).LastOrDefault();
                if (status == until) return status;
            }
            await Task.Delay(500);
        }
        return status;
    }
}
