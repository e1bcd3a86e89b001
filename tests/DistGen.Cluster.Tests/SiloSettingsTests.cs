namespace DistGen.Cluster.Tests;

public sealed class SiloSettingsTests
{
    [Fact]
    public async Task A_silo_with_invalid_settings_exits_2_with_one_line_naming_each_setting()
    {
        using var silo = ChildProcess.Start("silo-invalid", BuiltPrograms.Dotnet, [BuiltPrograms.Silo, "--Cluster:HttpPort=11111"],
            new Dictionary<string, string> { ["DISTGEN__Cluster__Clustering"] = "Redis" });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), silo.Tail);
        Assert.Equal(2, silo.ExitCode);
        var lines = silo.Tail.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("distgen silo: Cluster:Redis (env DISTGEN__Cluster__Redis) is required", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("distgen silo: Cluster:SiloPort (env DISTGEN__Cluster__SiloPort) and Cluster:HttpPort", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_that_would_listen_beyond_loopback_without_tls_exits_2_saying_what_to_set()
    {
        // Redis clustering without an advertised address listens on every interface: refused before anything is bound.
        using var silo = ChildProcess.Start("silo-plaintext", BuiltPrograms.Dotnet, [BuiltPrograms.Silo],
            new Dictionary<string, string> { ["DISTGEN__Cluster__Clustering"] = "Redis", ["DISTGEN__Cluster__Redis"] = "127.0.0.1:1", ["DISTGEN__DataPlane__Secret"] = "s" });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), silo.Tail);
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("distgen silo: this silo would listen beyond loopback without TLS", silo.Tail);
        Assert.Contains("Security:AllowInsecure=true", silo.Tail);
    }

    [Fact]
    public async Task A_silo_with_an_otlp_endpoint_that_is_no_address_exits_2_naming_the_setting()
    {
        using var silo = ChildProcess.Start("silo-otlp", BuiltPrograms.Dotnet, [BuiltPrograms.Silo],
            new Dictionary<string, string> { ["DISTGEN__Otlp__Endpoint"] = "collector:4318", ["DISTGEN__DataPlane__Secret"] = "s" });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), silo.Tail);
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("distgen silo: Otlp:Endpoint (env DISTGEN__Otlp__Endpoint) is 'collector:4318'", silo.Tail);
    }
}
