using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Hosting;

/// <summary>
/// Checks a section registered by <see cref="SettingsSection.AddSettingsSection{TOptions}"/>: its keys and values
/// first (options bound from a section with a bad key or value are not worth checking further), then the class's rules.
/// </summary>
internal sealed class SettingsSectionValidator<TOptions>(IConfigurationSection settings, string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = SettingsSection.KeyProblems<TOptions>(settings, section).ToList();
        if (failures.Count == 0) failures.AddRange(SettingsSection.Problems(options, section));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
