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
    /// Binds section <c>Cluster</c> and validates it. Throws <see cref="OptionsValidationException"/> whose
    /// <c>Failures</c> each name a setting and its fix (unknown keys and unparsable values included).
    /// </summary>
    public static ClusterHostOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(ClusterHostOptions.SectionName);
        var failures = CheckKeys(section).Concat(CheckEnums(section)).ToList();
        ClusterHostOptions options;
        try
        {
            options = failures.Count == 0
                ? section.Get<ClusterHostOptions>() ?? new ClusterHostOptions()
                : new ClusterHostOptions();
        }
        catch (InvalidOperationException e)
        {
            failures.Add($"{e.Message} Fix the {ClusterHostOptions.SectionName} section (appsettings.json, {EnvironmentPrefix}{ClusterHostOptions.SectionName}__* or --{ClusterHostOptions.SectionName}:*).");
            options = new ClusterHostOptions();
        }
        if (failures.Count == 0) return Validate(options);
        throw new OptionsValidationException(ClusterHostOptions.SectionName, typeof(ClusterHostOptions), failures);
    }

    /// <summary>Validates options built in code (the embedded silo); returns them or throws <see cref="OptionsValidationException"/>.</summary>
    public static ClusterHostOptions Validate(ClusterHostOptions options)
    {
        var result = new ClusterHostOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(ClusterHostOptions.SectionName, typeof(ClusterHostOptions), result.Failures);
        return options;
    }

    // A misspelt key would otherwise be ignored silently.
    private static IEnumerable<string> CheckKeys(IConfigurationSection section)
    {
        var known = typeof(ClusterHostOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToList();
        foreach (var child in section.GetChildren().Where(c => !known.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
            yield return $"{ClusterHostOptionsValidator.Setting(child.Key)} is not a setting: the settings are {string.Join(", ", known)}.";
    }

    // The binder's own message for a bad enum names the key but not the choices.
    private static IEnumerable<string> CheckEnums(IConfigurationSection section)
    {
        foreach (var property in typeof(ClusterHostOptions).GetProperties().Where(p => p.CanWrite))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!type.IsEnum || section[property.Name] is not { Length: > 0 } raw) continue;
            if (Enum.TryParse(type, raw, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!)) continue;
            yield return $"{ClusterHostOptionsValidator.Setting(property.Name)} is \"{raw}\": use one of {string.Join(", ", Enum.GetNames(type))}.";
        }
    }
}
