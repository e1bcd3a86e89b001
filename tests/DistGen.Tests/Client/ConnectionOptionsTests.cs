using System.CommandLine;
using DistGen.Client.Connection;

namespace DistGen.Tests.Client;

public sealed class ConnectionOptionsTests
{
    private static ClusterConnectionSettings Read(string[] args, params (string Name, string Value)[] environment)
    {
        var options = new ConnectionOptions();
        var parse = options.AddTo(new Command("probe")).Parse(args);
        Assert.Empty(parse.Errors);
        return options.Read(parse, name => environment.FirstOrDefault(e => e.Name == name).Value);
    }

    [Fact]
    public void Without_flags_or_variables_it_reaches_the_local_default_gateway()
    {
        var settings = Read([]);
        Assert.Null(settings.Redis);
        Assert.Equal("127.0.0.1:30000", settings.Gateway);
        Assert.Equal(("distgen", "distgen"), (settings.ClusterId, settings.ServiceId));
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ConnectTimeout);
        Assert.Equal("gateway 127.0.0.1:30000", settings.Target);
    }

    [Fact]
    public void Variables_are_the_fallback_for_every_flag()
    {
        var settings = Read([], ("DISTGEN_REDIS", "redis:6379"), ("DISTGEN_CLUSTER_ID", "prod"), ("DISTGEN_SECRET", "s3cret"));
        Assert.Equal("redis:6379", settings.Redis);
        Assert.Equal("prod", settings.ClusterId);
        Assert.Equal("s3cret", settings.Secret);
        Assert.Equal("Redis redis:6379", settings.Target);
    }

    [Fact]
    public void A_flag_overrides_the_variables_including_the_choice_of_redis_or_gateway()
    {
        var settings = Read(["--gateway", "10.0.0.7:30001", "--cluster-id", "lab", "--secret", "flag", "--connect-timeout", "2.5"],
            ("DISTGEN_REDIS", "redis:6379"), ("DISTGEN_CLUSTER_ID", "prod"), ("DISTGEN_SECRET", "env"));
        Assert.Null(settings.Redis);
        Assert.Equal("10.0.0.7:30001", settings.Gateway);
        Assert.Equal(("lab", "flag"), (settings.ClusterId, settings.Secret));
        Assert.Equal(TimeSpan.FromSeconds(2.5), settings.ConnectTimeout);
    }

    // As on the silos: the service id is the cluster id unless set, so --cluster-id alone finds a cluster's gateways in Redis.
    [Theory]
    [InlineData(new[] { "--cluster-id", "lab" }, null, "lab")]
    [InlineData(new[] { "--cluster-id", "lab" }, "training", "training")]
    [InlineData(new[] { "--cluster-id", "lab", "--service-id", "flag" }, "training", "flag")]
    public void The_service_id_is_the_cluster_id_unless_a_flag_or_variable_sets_it(string[] args, string? variable, string expected)
    {
        var settings = variable is null ? Read(args) : Read(args, ("DISTGEN_SERVICE_ID", variable));
        Assert.Equal(expected, settings.ServiceId);
        // Settings made in code follow the same rule.
        Assert.Equal("lab", new ClusterConnectionSettings { ClusterId = "lab" }.ServiceId);
    }

    [Fact]
    public void Redis_and_gateway_together_are_refused()
    {
        var bad = Assert.Throws<ConnectionSettingsException>(() => Read(["--redis", "r:6379", "--gateway", "g:30000"]));
        Assert.StartsWith("both --redis and --gateway are set", bad.Message);
        var badVariables = Assert.Throws<ConnectionSettingsException>(() => Read([], ("DISTGEN_REDIS", "r:6379"), ("DISTGEN_GATEWAY", "g:30000")));
        Assert.StartsWith("both DISTGEN_REDIS and DISTGEN_GATEWAY are set", badVariables.Message);
    }

    [Theory]
    [InlineData("--gateway", "silo-a", "--gateway \"silo-a\" is not HOST:PORT: use e.g. 127.0.0.1:30000.")]
    [InlineData("--gateway", "silo-a:99999", "--gateway \"silo-a:99999\" is not HOST:PORT: use e.g. 127.0.0.1:30000.")]
    [InlineData("--redis", ":6379", "--redis \":6379\" is not HOST:PORT: use e.g. 127.0.0.1:6379.")]
    public void A_malformed_address_is_refused_naming_the_flag_and_an_example(string flag, string value, string message) =>
        Assert.Equal(message, Assert.Throws<ConnectionSettingsException>(() => Read([flag, value])).Message);

    [Fact]
    public void A_redis_connection_string_with_options_is_accepted_and_its_password_never_shown()
    {
        var settings = Read(["--redis", "r:6379,password=hunter2", "--secret", "cluster-secret"]);
        Assert.Equal("Redis r:6379", settings.Target);
        Assert.DoesNotContain("hunter2", settings.ToString());
        Assert.DoesNotContain("cluster-secret", settings.ToString());
        Assert.Contains("Secret = ***", settings.ToString());
    }

    [Fact]
    public void An_ipv6_gateway_keeps_its_brackets()
    {
        Assert.Equal("[::1]:30000", Read(["--gateway", "[::1]:30000"]).Gateway);
    }
}
