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
}
