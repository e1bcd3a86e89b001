using DistGen.Grains.DataPlane;
using DistGen.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class DataPlaneOptionsTests
{
    private static IReadOnlyList<string> Failures(DataPlaneOptions options) =>
        [.. SettingsSection.Problems(options, DataPlaneOptions.SectionName), .. new DataPlaneOptionsValidator().Validate(null, options).Failures ?? []];

    [Fact]
    public void Defaults_with_a_secret_are_valid() => Assert.Empty(Failures(new DataPlaneOptions { Secret = "s" }));

    [Fact]
    public void An_empty_secret_names_the_setting_and_the_environment_variable()
    {
        var failure = Assert.Single(Failures(new DataPlaneOptions()));
        Assert.StartsWith("DataPlane:Secret (env DISTGEN__DataPlane__Secret) is empty: set it to the cluster secret", failure);
    }

    [Fact]
    public void Each_bad_value_is_named()
    {
        var failures = Failures(new DataPlaneOptions
        {
            Secret = "s",
            Port = 70000,
            ListenAddress = "everywhere",
            AdvertisedEndpoint = "https://silo-1:5005",
            MaxStoreBytes = 0,
            ChunkBytes = 8 << 20,
            WireFormat = "fp8",
            CallTimeout = TimeSpan.Zero,
            BreakerFailureRatio = 2,
        });

        foreach (var setting in new[] { "Port", "ListenAddress", "AdvertisedEndpoint", "MaxStoreBytes", "WireFormat", "CallTimeout", "BreakerFailureRatio" })
            Assert.Contains(failures, f => f.StartsWith($"DataPlane:{setting} "));
        Assert.Contains(failures, f => f.StartsWith("DataPlane:ChunkBytes (env DISTGEN__DataPlane__ChunkBytes) is 8388608, above DataPlane:MaxChunkBytes (4194304)"));
    }

    [Fact]
    public async Task A_host_without_a_secret_refuses_to_start_naming_the_setting()
    {
        // Kestrel reads the data-plane options while the host is built, so the refusal comes at build or start.
        var refusal = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = DataPlaneServer.BuildHost(("Secret", ""));
            await host.StartAsync();
        });

        Assert.StartsWith("DataPlane:Secret (env DISTGEN__DataPlane__Secret) is empty", refusal.Message);
    }
}
