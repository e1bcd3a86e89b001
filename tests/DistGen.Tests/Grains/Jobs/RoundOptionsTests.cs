using DistGen.Grains.Jobs;
using DistGen.Tests.Silo;

namespace DistGen.Tests.Grains.Jobs;

public sealed class RoundOptionsTests
{
    [Fact]
    public void The_silo_appsettings_json_states_the_same_round_defaults_as_the_code() =>
        SiloSettings.AssertAppSettingsStateTheDefaults<RoundOptions>(RoundOptions.SectionName);

    [Fact]
    public void A_round_setting_under_its_old_section_stops_the_silo_naming_the_new_one()
    {
        var failure = Assert.Single(SiloSettings.Refusal<JobArtifactsOptions>("Artifacts:RoundAttempts", "12"));
        Assert.Equal("Artifacts:RoundAttempts (env DISTGEN__Artifacts__RoundAttempts) is not a setting: it moved to section Rounds, " +
                     "as Rounds:Attempts (env DISTGEN__Rounds__Attempts); the settings are Root, DownloadChunkBytes, TicketLifetime.", failure);
    }

    [Theory]
    [InlineData("Timeout", "00:00:00", "Rounds:Timeout (env DISTGEN__Rounds__Timeout) is 00:00:00: use a positive time span")]
    [InlineData("Attempts", "0", "Rounds:Attempts (env DISTGEN__Rounds__Attempts) is 0: use at least 1")]
    [InlineData("RetryDelay", "-00:00:01", "Rounds:RetryDelay (env DISTGEN__Rounds__RetryDelay) is -00:00:01: use a time span of zero or more")]
    [InlineData("Attempts", "eight", "Rounds:Attempts (env DISTGEN__Rounds__Attempts) is \"eight\": use a whole number")]
    public void A_bad_round_setting_stops_the_silo_naming_the_setting(string setting, string value, string message) =>
        Assert.StartsWith(message, Assert.Single(SiloSettings.Refusal<RoundOptions>($"Rounds:{setting}", value)));
}
