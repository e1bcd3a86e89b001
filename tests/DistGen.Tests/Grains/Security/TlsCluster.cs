using DistGen.Client.Commands;
using DistGen.Grains.Security;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains.Security;

/// <summary>
/// An in-process one-silo cluster with TLS on as a real silo has it: Orleans' connections and the data plane use the
/// certificates of <c>distgen cert init</c> (section Security), so calls from clients are held to their roles.
/// </summary>
public sealed class TlsCluster : IAsyncLifetime
{
    public const string Secret = "in-process-tls-cluster-secret";

    /// <summary>Made by the real <c>distgen cert init</c>: ca, silo, operator and viewer .pem/.key.</summary>
    public static readonly string CertificateFolder = MakeCertificates();

    /// <summary>The run folders of the cluster's jobs.</summary>
    public static readonly string ArtifactsRoot = Directory.CreateTempSubdirectory("distgen-tls-runs-").FullName;

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>The certificates of <paramref name="role"/> (silo, operator, viewer), with the cluster's CA.</summary>
    public static ClusterCertificates Load(string role) => ClusterCertificates.Load(
        Path.Combine(CertificateFolder, $"{role}.pem"), Path.Combine(CertificateFolder, $"{role}.key"), Path.Combine(CertificateFolder, "ca.pem"));

    /// <summary>A client over TLS with <paramref name="role"/>'s certificate; <paramref name="signCalls"/> adds the console's caller proof.</summary>
    public async Task<(ClusterClients Client, ClusterCertificates Certificates)> ConnectAsync(string role, bool signCalls = true,
        IOutgoingGrainCallFilter? stamp = null)
    {
        var certificates = Load(role);
        var client = await ClusterClients.ConnectAsync(Cluster, clusterSecret: null, builder =>
        {
            builder.UseClusterTls(certificates);
            if (signCalls) builder.Services.AddSingleton<IOutgoingGrainCallFilter>(new CallerProofStamp(certificates.Own));
            if (stamp is not null) builder.Services.AddSingleton(stamp);
        });
        return (client, certificates);
    }

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        builder.AddClientBuilderConfigurator<ClientSetup>();
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(ArtifactsRoot, recursive: true);
    }

    private static string MakeCertificates()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("distgen-tls-cluster-").FullName, "certs");
        if (CertCommand.Init(folder, "in-process", [], 30, TextWriter.Null, TextWriter.Null) != 0)
            throw new InvalidOperationException("distgen cert init failed");
        return folder;
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            InProcessSilo.ConfigureOrleans(silo);
            silo.UseClusterTls(Load("silo"));
        }

        public void Configure(IHostBuilder host) => InProcessSilo.ConfigureHost(host, _ => new Dictionary<string, string?>(InProcessSilo.DataPlane(Secret, ArtifactsRoot))
        {
            ["Security:Certificate"] = Path.Combine(CertificateFolder, "silo.pem"),
            ["Security:Key"] = Path.Combine(CertificateFolder, "silo.key"),
            ["Security:Authority"] = Path.Combine(CertificateFolder, "ca.pem"),
        });
    }

    // The TestingHost's own client connects over TLS too, as a silo would (its calls carry the silo credential).
    private sealed class ClientSetup : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.UseClusterTls(Load("silo"));
            client.Services.AddSiloCallStamp(Secret);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TlsClusterCollection : ICollectionFixture<TlsCluster>
{
    public const string Name = "in-process TLS cluster";
}
