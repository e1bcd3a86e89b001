using System.Net;
using DistGen.Grains.Hosting;
using DistGen.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace DistGen.Tests.Silo;

/// <summary>How the Silo host composes Orleans for each clustering, checked on the built host without starting it.</summary>
public sealed class SiloCompositionTests
{
    private static async Task<T> InspectAsync<T>(ClusterHostOptions options, Func<IServiceProvider, T> inspect,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddDistGenSilo(options, new ClusterProviders());
        await using var app = builder.Build();
        return inspect(app.Services);
    }

    [Fact]
    public async Task Redis_clustering_advertises_the_configured_address_and_keeps_membership_and_job_state_in_redis()
    {
        var options = new ClusterHostOptions
        {
            Clustering = ClusteringMode.Redis, Redis = "127.0.0.1:6379", AdvertisedAddress = "127.0.0.1",
            SiloPort = 12001, GatewayPort = 12002, HttpPort = 12003, ShutdownTimeoutSeconds = 45,
        };

        var (endpoint, membership, storage, shutdown) = await InspectAsync(options, services => (
            services.GetRequiredService<IOptions<EndpointOptions>>().Value,
            services.GetRequiredService<IMembershipTable>().GetType().Name,
            services.GetRequiredKeyedService<IGrainStorage>(ClusterHostOptions.JobStorageName).GetType().Name,
            services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout));

        Assert.Equal(IPAddress.Loopback, endpoint.AdvertisedIPAddress);
        Assert.Equal((12001, 12002), (endpoint.SiloPort, endpoint.GatewayPort));
        Assert.Null(endpoint.SiloListeningEndpoint);
        Assert.Equal("RedisMembershipTable", membership);
        Assert.Equal("RedisGrainStorage", storage);
        Assert.Equal(TimeSpan.FromSeconds(45), shutdown);
    }

    [Fact]
    public async Task Kubernetes_clustering_takes_the_pod_ip_and_name_and_keeps_the_configured_ports()
    {
        var variables = new Dictionary<string, string> { ["POD_IP"] = "10.1.2.3", ["POD_NAME"] = "distgen-silo-1", ["POD_NAMESPACE"] = "distgen" };
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(name, value);
        try
        {
            var options = new ClusterHostOptions { Clustering = ClusteringMode.Kubernetes, Redis = "redis:6379" };

            var (endpoint, silo, membership) = await InspectAsync(options, services => (
                services.GetRequiredService<IOptions<EndpointOptions>>().Value,
                services.GetRequiredService<IOptions<SiloOptions>>().Value,
                services.GetRequiredService<IMembershipTable>().GetType().Name),
                new Dictionary<string, string?> { ["Security:AllowInsecure"] = "true" });

            Assert.Equal(IPAddress.Parse("10.1.2.3"), endpoint.AdvertisedIPAddress);
            Assert.Equal((11111, 30000), (endpoint.SiloPort, endpoint.GatewayPort));
            Assert.Equal(new IPEndPoint(IPAddress.Any, 11111), endpoint.SiloListeningEndpoint);
            Assert.Equal("distgen-silo-1", silo.SiloName);
            Assert.Equal("RedisMembershipTable", membership);
        }
        finally
        {
            foreach (var name in variables.Keys) Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task Localhost_clustering_keeps_job_state_in_memory_and_names_the_silo_after_host_and_port()
    {
        var options = new ClusterHostOptions { SiloPort = 12011, GatewayPort = 12012, HttpPort = 12013 };

        var (endpoint, silo, storage) = await InspectAsync(options, services => (
            services.GetRequiredService<IOptions<EndpointOptions>>().Value,
            services.GetRequiredService<IOptions<SiloOptions>>().Value,
            services.GetRequiredKeyedService<IGrainStorage>(ClusterHostOptions.JobStorageName).GetType().Name));

        Assert.Equal(IPAddress.Loopback, endpoint.AdvertisedIPAddress);
        Assert.Equal($"{Environment.MachineName}-12011", silo.SiloName);
        Assert.Equal("MemoryGrainStorage", storage);
    }

    [Fact]
    public async Task A_silo_that_would_listen_beyond_loopback_without_tls_is_refused_naming_what_to_set()
    {
        var options = new ClusterHostOptions { Clustering = ClusteringMode.Redis, Redis = "127.0.0.1:6379", SiloPort = 12021, GatewayPort = 12022, HttpPort = 12023 };

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => InspectAsync(options, _ => 0));
        var message = Assert.Single(refused.Failures);
        Assert.Contains("would listen beyond loopback without TLS (its silo and gateway ports on 0.0.0.0, its data plane on 0.0.0.0)", message);
        Assert.Contains("'distgen cert init'", message);
        Assert.Contains("Security:AllowInsecure=true", message);

        // Loopback ports but a data plane opened to every interface: refused too.
        var loopback = new ClusterHostOptions { Clustering = ClusteringMode.Redis, Redis = "127.0.0.1:6379", AdvertisedAddress = "127.0.0.1", SiloPort = 12024, GatewayPort = 12025, HttpPort = 12026 };
        var dataPlane = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            InspectAsync(loopback, _ => 0, new Dictionary<string, string?> { ["DataPlane:ListenAddress"] = "0.0.0.0" }));
        Assert.Contains("(its data plane on 0.0.0.0)", Assert.Single(dataPlane.Failures));

        // Said explicitly, plaintext is allowed; and the data plane then listens where the silo does.
        var listen = await InspectAsync(options, services => services.GetRequiredService<IOptions<DistGen.Grains.DataPlane.DataPlaneOptions>>().Value.ListenAddress,
            new Dictionary<string, string?> { ["Security:AllowInsecure"] = "true", ["DataPlane:Secret"] = "s" });
        Assert.Equal("0.0.0.0", listen);
    }

    [Fact]
    public async Task A_tls_silo_whose_dashboard_would_be_open_beyond_loopback_is_refused_until_it_holds_the_tokens_hash()
    {
        var folder = DistGen.Tests.Grains.Security.TlsCluster.CertificateFolder;
        Dictionary<string, string?> Tls(string? tokenHash) => new()
        {
            ["Security:Certificate"] = Path.Combine(folder, "silo.pem"), ["Security:Key"] = Path.Combine(folder, "silo.key"),
            ["Security:Authority"] = Path.Combine(folder, "ca.pem"), ["Security:HttpTokenSha256"] = tokenHash, ["DataPlane:Secret"] = "s",
        };
        var options = new ClusterHostOptions { Clustering = ClusteringMode.Redis, Redis = "127.0.0.1:6379", SiloPort = 12041, GatewayPort = 12042, HttpPort = 12043 };

        var open = await Assert.ThrowsAsync<OptionsValidationException>(() => InspectAsync(options, _ => 0, Tls(null)));
        var message = Assert.Single(open.Failures);
        Assert.Contains("HTTP port 12043 (dashboard) would be open to anyone on 0.0.0.0", message);
        Assert.Contains("Security:HttpTokenSha256", message);

        var malformed = await Assert.ThrowsAsync<OptionsValidationException>(() => InspectAsync(options, _ => 0, Tls("not-a-hash")));
        Assert.Contains("is not a SHA-256 in hex", Assert.Single(malformed.Failures));

        var hash = File.ReadAllText(Path.Combine(folder, "http-token.sha256")).Trim();
        var access = await InspectAsync(options, services => services.GetRequiredService<DistGen.Grains.Security.Http.HttpAccess>().Required, Tls(hash));
        Assert.True(access);
        var scheme = await InspectAsync(options, services => services.GetRequiredService<SiloEndpoints>().HealthUrl, Tls(hash));
        Assert.StartsWith("https://", scheme);
    }

    [Theory]
    [InlineData("DataPlane")]
    [InlineData("Artifacts")]
    [InlineData("Rounds")]
    [InlineData("Coordinator")]
    [InlineData("Dashboard")]
    [InlineData("Security")]
    public async Task Every_section_the_silo_reads_refuses_a_key_that_is_not_a_setting_listing_the_settings(string section)
    {
        var options = new ClusterHostOptions { SiloPort = 12051, GatewayPort = 12052, HttpPort = 12053 };
        var settings = new Dictionary<string, string?> { ["DataPlane:Secret"] = "s", [$"{section}:Colour"] = "blue" };

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => InspectAsync(options, services =>
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return 0;
        }, settings));

        var failure = Assert.Single(SettingsSection.FailuresOf(refused));
        Assert.StartsWith($"{section}:Colour (env DISTGEN__{section}__Colour) is not a setting: the settings are ", failure);
    }

    [Fact]
    public async Task Certificate_files_that_are_missing_stop_the_silo_naming_the_file()
    {
        var options = new ClusterHostOptions { SiloPort = 12031, GatewayPort = 12032, HttpPort = 12033 };
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => InspectAsync(options, _ => 0, new Dictionary<string, string?>
        {
            ["Security:Certificate"] = "/nonexistent/silo.pem", ["Security:Key"] = "/nonexistent/silo.key", ["Security:Authority"] = "/nonexistent/ca.pem",
        }));
        Assert.Contains("/nonexistent/ca.pem does not exist", Assert.Single(refused.Failures));
    }
}
