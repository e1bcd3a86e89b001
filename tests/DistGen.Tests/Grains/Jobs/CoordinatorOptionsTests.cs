using System.Text.Json;
using DistGen.Grains.Jobs;
using DistGen.Tests.Training.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Grains.Jobs;

public sealed class CoordinatorOptionsTests
{
    [Fact]
    public void The_silo_appsettings_json_states_the_same_coordinator_defaults_as_the_code()
    {
        var path = Path.Combine(SpecLoaderTests.RepositoryRoot(), "Silo", "appsettings.json");
        var fromFile = new ConfigurationBuilder().AddJsonFile(path).Build().GetSection("Coordinator").Get<CoordinatorOptions>();
        Assert.Equal(JsonSerializer.Serialize(new CoordinatorOptions()), JsonSerializer.Serialize(fromFile));
    }

    [Theory]
    [InlineData("HeartbeatPeriod", "00:00:00", "Coordinator:HeartbeatPeriod must be positive")]
    [InlineData("RunnerSilentFor", "00:00:06", "Coordinator:RunnerSilentFor must be at least 3 x Coordinator:HeartbeatPeriod")]
    [InlineData("OutageDeadline", "-00:00:01", "Coordinator:OutageDeadline must be positive")]
    [InlineData("MaxTakeoversWithoutProgress", "0", "Coordinator:MaxTakeoversWithoutProgress must be at least 1")]
    public void A_bad_coordinator_setting_stops_the_silo_naming_the_setting(string setting, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Coordinator:{setting}"] = value }).Build();
        using var services = new ServiceCollection().AddDistGenJobs(configuration).BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<CoordinatorOptions>>().Value);
        Assert.Contains(message, failure.Message);
    }
}
