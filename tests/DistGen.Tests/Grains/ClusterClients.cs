using DistGen.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains;

/// <summary>
/// Extra Orleans clients of an in-process test cluster, connected through its gateways like any outside client: one
/// that holds the cluster secret and so calls as a silo does (to reach workers, silo grains and the ledger), or a plain
/// one that holds nothing.
/// </summary>
public sealed class ClusterClients : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterClients(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// A client of <paramref name="cluster"/>; with <paramref name="clusterSecret"/> its calls carry the silo credential;
    /// <paramref name="configure"/> adds to it (TLS, call filters).
    /// </summary>
    public static async Task<ClusterClients> ConnectAsync(TestCluster cluster, string? clusterSecret, Action<IClientBuilder>? configure = null)
    {
        var gateways = cluster.Silos.Select(s => s.GatewayAddress.Endpoint).ToArray();
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.UseStaticClustering(gateways).Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.Options.ClusterId;
                    o.ServiceId = cluster.Options.ServiceId;
                });
                if (clusterSecret is not null) client.Services.AddSiloCallStamp(clusterSecret);
                configure?.Invoke(client);
            })
            .Build();
        await host.StartAsync();
        return new ClusterClients(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
