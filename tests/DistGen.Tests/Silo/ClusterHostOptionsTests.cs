using System.Net;
using System.Text.Json;
using DistGen.Grains.Hosting;
using DistGen.Tests.Training.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Silo;

public sealed class ClusterHostOptionsTests
{
    private static ClusterHostOptions Read(params (string Key, string Value)[] settings) =>
        ClusterHostConfiguration.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build());

    private static IReadOnlyList<string> Failures(params (string Key, string Value)[] settings) =>
        Assert.Throws<OptionsValidationException>(() => Read(settings)).Failures.ToList();

    [Fact]
    public void Defaults_are_a_localhost_silo_with_memory_storage_on_the_documented_ports()
    {
        var options = Read();
        Assert.Equal(ClusteringMode.Localhost, options.Clustering);
        Assert.Equal(GrainStorageMode.Memory, options.EffectiveStorage);
        Assert.Equal(("distgen", null, "distgen"), (options.ClusterId, options.ServiceId, options.EffectiveServiceId));
        Assert.Equal((11111, 30000, 8080), (options.SiloPort, options.GatewayPort, options.HttpPort));
        Assert.False(options.UsesRedis);
    }

    // Redis keys jobs, reminders and membership by the service id: clusters with their own ids on one Redis must not share
    // it unless told to (a shared one let a second cluster's reminders take the first cluster's jobs over).
    [Theory]
    [InlineData("blue", null, "blue")]
    [InlineData("blue", " ", "blue")]
    [InlineData("blue", "training", "training")]
    public void The_service_id_is_the_cluster_id_unless_set(string clusterId, string? serviceId, string expected)
    {
        var settings = new List<(string, string)> { ("Cluster:ClusterId", clusterId) };
        if (serviceId is not null) settings.Add(("Cluster:ServiceId", serviceId));
        Assert.Equal(expected, Read([.. settings]).EffectiveServiceId);
    }

    [Fact]
    public void The_silo_appsettings_json_states_the_same_defaults_as_the_code()
    {
        var path = Path.Combine(SpecLoaderTests.RepositoryRoot(), "Silo", "appsettings.json");
        var fromFile = ClusterHostConfiguration.Read(new ConfigurationBuilder().AddJsonFile(path).Build());
        var defaults = new ClusterHostOptions();
        Assert.Equal(JsonSerializer.Serialize(defaults), JsonSerializer.Serialize(fromFile));
    }

    [Fact]
    public void Redis_clustering_without_a_connection_string_names_the_setting_its_variable_and_an_example()
    {
        var failure = Assert.Single(Failures(("Cluster:Clustering", "Redis")));
        Assert.Contains("Cluster:Redis (env DISTGEN__Cluster__Redis) is required because Clustering is Redis", failure);
        Assert.Contains("redis:6379", failure);
    }

    [Fact]
    public void A_CA_for_redis_needs_tls_in_the_connection_string_and_an_existing_file()
    {
        var failures = Failures(("Cluster:Clustering", "Redis"), ("Cluster:Redis", "redis:6379"), ("Cluster:RedisAuthority", "/nonexistent/redis-ca.pem"));
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Contains("/nonexistent/redis-ca.pem, which does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("does not say ssl=true", StringComparison.Ordinal));

        var authority = Path.GetTempFileName();
        try
        {
            var options = Read(("Cluster:Clustering", "Redis"), ("Cluster:Redis", "redis:6380,ssl=true"), ("Cluster:RedisAuthority", authority));
            Assert.Equal(new RedisConnection("redis:6380,ssl=true", authority), options.RedisConnection);
        }
        finally
        {
            File.Delete(authority);
        }
    }

    [Fact]
    public void Redis_storage_on_a_localhost_silo_also_needs_the_connection_string()
    {
        var failure = Assert.Single(Failures(("Cluster:Storage", "Redis")));
        Assert.Contains("is required because Storage is Redis", failure);
    }

    [Fact]
    public void Storage_follows_the_clustering_unless_set()
    {
        Assert.Equal(GrainStorageMode.Redis, Read(("Cluster:Clustering", "Redis"), ("Cluster:Redis", "r:6379")).EffectiveStorage);
        Assert.Equal(GrainStorageMode.Redis, Read(("Cluster:Clustering", "Kubernetes"), ("Cluster:Redis", "r:6379")).EffectiveStorage);
        Assert.Equal(GrainStorageMode.Memory,
            Read(("Cluster:Clustering", "Redis"), ("Cluster:Redis", "r:6379"), ("Cluster:Storage", "memory")).EffectiveStorage);
    }

    [Fact]
    public void An_unknown_clustering_lists_the_choices()
    {
        var failure = Assert.Single(Failures(("Cluster:Clustering", "Consul")));
        Assert.Equal("Cluster:Clustering (env DISTGEN__Cluster__Clustering) is \"Consul\": use one of Localhost, Redis, Kubernetes.", failure);
    }

    [Fact]
    public void A_misspelt_setting_is_refused_with_the_list_of_settings()
    {
        var failure = Assert.Single(Failures(("Cluster:Clusterring", "Redis")));
        Assert.StartsWith("Cluster:Clusterring (env DISTGEN__Cluster__Clusterring) is not a setting: the settings are Clustering, ClusterId,", failure);
    }

    [Fact]
    public void A_port_out_of_range_names_the_setting_and_that_0_picks_a_free_port()
    {
        var failure = Assert.Single(Failures(("Cluster:GatewayPort", "70000")));
        Assert.Equal("Cluster:GatewayPort (env DISTGEN__Cluster__GatewayPort) is 70000: use a value from 0 to 65535 (0 picks a free port).", failure);
    }

    [Fact]
    public void A_value_that_is_not_a_number_names_the_setting_and_what_it_takes()
    {
        var failure = Assert.Single(Failures(("Cluster:SiloPort", "eleven")));
        Assert.Equal("Cluster:SiloPort (env DISTGEN__Cluster__SiloPort) is \"eleven\": use a whole number.", failure);
    }

    [Fact]
    public void Two_endpoints_on_one_port_are_refused()
    {
        var failure = Assert.Single(Failures(("Cluster:HttpPort", "11111")));
        Assert.Contains("Cluster:SiloPort (env DISTGEN__Cluster__SiloPort) and Cluster:HttpPort (env DISTGEN__Cluster__HttpPort) are all 11111", failure);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var failures = Failures(("Cluster:Clustering", "Redis"), ("Cluster:ClusterId", " "), ("Cluster:ShutdownTimeoutSeconds", "0"));
        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Cluster:ClusterId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cluster:Redis", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cluster:ShutdownTimeoutSeconds", StringComparison.Ordinal) && f.Contains("from 1 to 3600"));
    }

    [Theory]
    [InlineData("silo-a.local", "not an IP address")]
    [InlineData("0.0.0.0", "which nobody can connect to")]
    public void A_bad_advertised_address_is_refused_with_the_reason(string address, string reason)
    {
        var failure = Assert.Single(Failures(("Cluster:Clustering", "Redis"), ("Cluster:Redis", "r:6379"), ("Cluster:AdvertisedAddress", address)));
        Assert.StartsWith("Cluster:AdvertisedAddress (env DISTGEN__Cluster__AdvertisedAddress)", failure);
        Assert.Contains(reason, failure);
    }

    [Fact]
    public void Distgen_environment_variables_map_to_cluster_settings_and_the_command_line_wins()
    {
        const string variable = "DISTGEN__Cluster__ClusterId";
        Environment.SetEnvironmentVariable(variable, "from-env");
        try
        {
            Assert.Equal("from-env", ClusterHostConfiguration.Read(new ConfigurationBuilder().AddDistGenSources([]).Build()).ClusterId);
            var withFlag = new ConfigurationBuilder().AddDistGenSources(["--Cluster:ClusterId=from-flag"]).Build();
            Assert.Equal("from-flag", ClusterHostConfiguration.Read(withFlag).ClusterId);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Port_0_is_replaced_by_a_free_port_and_a_loopback_address_keeps_sockets_on_loopback()
    {
        var endpoints = SiloEndpoints.Resolve(Read(
            ("Cluster:Clustering", "Redis"), ("Cluster:Redis", "r:6379"), ("Cluster:AdvertisedAddress", "127.0.0.1"),
            ("Cluster:SiloPort", "0"), ("Cluster:GatewayPort", "0"), ("Cluster:HttpPort", "0")));
        Assert.All(new[] { endpoints.SiloPort, endpoints.GatewayPort!.Value, endpoints.HttpPort!.Value }, port => Assert.InRange(port, 1024, 65535));
        Assert.Equal(3, new[] { endpoints.SiloPort, endpoints.GatewayPort, endpoints.HttpPort }.Distinct().Count());
        Assert.Equal(IPAddress.Loopback, endpoints.ListenAddress);
        Assert.Equal($"http://127.0.0.1:{endpoints.HttpPort}/dashboard/", endpoints.DashboardUrl);
    }

    [Fact]
    public void A_routable_advertised_address_listens_on_every_interface()
    {
        var endpoints = SiloEndpoints.Resolve(Read(("Cluster:Clustering", "Redis"), ("Cluster:Redis", "r:6379"), ("Cluster:AdvertisedAddress", "10.1.2.3")));
        Assert.Equal(IPAddress.Any, endpoints.ListenAddress);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), endpoints.AdvertisedAddress);
        Assert.Equal((11111, 30000, 8080), (endpoints.SiloPort, endpoints.GatewayPort, endpoints.HttpPort));
    }
}
