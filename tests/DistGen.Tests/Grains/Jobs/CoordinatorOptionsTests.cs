using DistGen.Grains.Jobs;
using DistGen.Tests.Silo;

namespace DistGen.Tests.Grains.Jobs;

public sealed class CoordinatorOptionsTests
{
    [Fact]
    public void The_silo_appsettings_json_states_the_same_coordinator_defaults_as_the_code() =>
        SiloSettings.AssertAppSettingsStateTheDefaults<CoordinatorOptions>(CoordinatorOptions.SectionName);

    [Theory]
    [InlineData("HeartbeatPeriod", "00:00:00", "Coordinator:HeartbeatPeriod (env DISTGEN__Coordinator__HeartbeatPeriod) is 00:00:00: use a positive time span")]
    [InlineData("RunnerSilentFor", "00:00:06", "Coordinator:RunnerSilentFor (env DISTGEN__Coordinator__RunnerSilentFor) is 00:00:06: make it at least 3 x Coordinator:HeartbeatPeriod")]
    [InlineData("OutageDeadline", "-00:00:01", "Coordinator:OutageDeadline (env DISTGEN__Coordinator__OutageDeadline) is -00:00:01: use a positive time span")]
    [InlineData("CallOutageDeadline", "00:00:40", "Coordinator:CallOutageDeadline (env DISTGEN__Coordinator__CallOutageDeadline) is 00:00:40: use a positive time span of at most 00:00:25")]
    [InlineData("MaxTakeoversWithoutProgress", "0", "Coordinator:MaxTakeoversWithoutProgress (env DISTGEN__Coordinator__MaxTakeoversWithoutProgress) is 0: use at least 1")]
    [InlineData("MaxTakeoverDelay", "00:00:01", "Coordinator:MaxTakeoverDelay (env DISTGEN__Coordinator__MaxTakeoverDelay) is 00:00:01: make it at least Coordinator:TakeoverDelay")]
    [InlineData("HeartbeatPeriod", "5s", "Coordinator:HeartbeatPeriod (env DISTGEN__Coordinator__HeartbeatPeriod) is \"5s\": use a time span such as 00:00:05")]
    public void A_bad_coordinator_setting_stops_the_silo_naming_the_setting(string setting, string value, string message) =>
        Assert.StartsWith(message, Assert.Single(SiloSettings.Refusal<CoordinatorOptions>($"Coordinator:{setting}", value)));
}
