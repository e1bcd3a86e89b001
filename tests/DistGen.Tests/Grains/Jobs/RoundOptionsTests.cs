using System.Text.Json;
using DistGen.Grains.Jobs;
using DistGen.Tests.Training.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Grains.Jobs;

public sealed class RoundOptionsTests
{
    [Fact]
    public void The_silo_appsettings_json_states_the_same_round_defaults_as_the_code()
    {
        var path = Path.Combine(SpecLoaderTests.RepositoryRoot(), "Silo", "appsettings.json");
        var fromFile = new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(RoundOptions.SectionName).Get<RoundOptions>();
        Assert.Equal(JsonSerializer.Serialize(new RoundOptions()), JsonSerializer.Serialize(fromFile));
    }

    [Fact]
    public void A_round_setting_under_its_old_section_stops_the_silo_naming_the_new_one()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Artifacts:RoundAttempts"] = "12" }).Build();
        using var services = new ServiceCollection().AddDistGenJobs(configuration).BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<JobArtifactsOptions>>().Value);
        Assert.Contains("moved to section Rounds", failure.Message);
    }

    [Theory]
    [InlineData("Timeout", "00:00:00", "Rounds:Timeout must be positive")]
    [InlineData("Attempts", "0", "Rounds:Attempts must be at least 1")]
    [InlineData("RetryDelay", "-00:00:01", "Rounds:RetryDelay must not be negative")]
    public void A_bad_round_setting_stops_the_silo_naming_the_setting(string setting, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Rounds:{setting}"] = value }).Build();
        using var services = new ServiceCollection().AddDistGenJobs(configuration).BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RoundOptions>>().Value);
        Assert.Contains(message, failure.Message);
    }
}
