using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Hosting;

/// <summary>
/// Where a silo's settings come from and how they are read: appsettings.json, then <c>DISTGEN__</c> environment
/// variables (<c>DISTGEN__Cluster__Clustering=Redis</c> is <c>Cluster:Clustering</c>), then the command line.
/// </summary>
public static class ClusterHostConfiguration
{
    /// <summary>The prefix of DistGen's environment variables; <c>__</c> separates sections.</summary>
    public const string EnvironmentPrefix = "DISTGEN__";

    /// <summary>Adds the <c>DISTGEN__</c> environment variables, then the command line again so it keeps the last word.</summary>
    public static IConfigurationBuilder AddDistGenSources(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddEnvironmentVariables(EnvironmentPrefix).AddCommandLine(args);

    /// <summary>
    /// Binds section <c>Cluster</c> now (the silo is composed from it) and validates it the way every section is
    /// (<see cref="SettingsSection"/>). Throws <see cref="OptionsValidationException"/> whose <c>Failures</c> each name a
    /// setting and its fix (unknown keys and unparsable values included).
    /// </summary>
    public static ClusterHostOptions Read(IConfiguration configuration) =>
        SettingsSection.Read<ClusterHostOptions>(configuration, ClusterHostOptions.SectionName);
}
