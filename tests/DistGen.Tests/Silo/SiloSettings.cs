using System.Text.Json;
using DistGen.Grains.Jobs;
using DistGen.Tests.Training.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Silo;

/// <summary>What the settings tests of the job silo's sections share: the Silo's appsettings.json, and a silo given one setting.</summary>
internal static class SiloSettings
{
    /// <summary>Asserts that Silo/appsettings.json states the code's defaults for <paramref name="section"/>.</summary>
    public static void AssertAppSettingsStateTheDefaults<TOptions>(string section) where TOptions : new()
    {
        var path = Path.Combine(SpecLoaderTests.RepositoryRoot(), "Silo", "appsettings.json");
        var fromFile = new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(section).Get<TOptions>();
        Assert.Equal(JsonSerializer.Serialize(new TOptions()), JsonSerializer.Serialize(fromFile));
    }

    /// <summary>The failures with which the job grains' services refuse <paramref name="key"/>=<paramref name="value"/>.</summary>
    public static IReadOnlyList<string> Refusal<TOptions>(string key, string value) where TOptions : class
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        using var services = new ServiceCollection().AddDistGenJobs(configuration).BuildServiceProvider();
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TOptions>>().Value).Failures.ToList();
    }
}
