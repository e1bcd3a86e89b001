using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Hosting;

/// <summary>
/// The one way a silo reads a settings section into its options class. The class states its rules: DataAnnotations
/// attributes on each setting (the attribute's message is the advice), <see cref="IValidatableObject"/> for rules
/// across settings. Every key of the section must be one of the class's settings, and every value must parse.
/// Each failure names the setting as key and environment variable (<see cref="Name"/>) and says what to do.
/// </summary>
/// <remarks>
/// Not <c>ValidateDataAnnotations()</c>: it wraps each message ("DataAnnotation validation failed for 'RoundOptions'
/// members: 'Attempts' with the error: ...") and skips <see cref="IValidatableObject"/> once any attribute fails.
/// </remarks>
public static class SettingsSection
{
    /// <summary>How failures name a setting: <c>Section:Key (env DISTGEN__Section__Key)</c>.</summary>
    public static string Name(string section, string key) =>
        $"{section}:{key} (env {ClusterHostConfiguration.EnvironmentPrefix}{section}__{key})";

    /// <summary>
    /// Registers <typeparamref name="TOptions"/> bound from <paramref name="section"/> and checked when the host starts
    /// (<c>ValidateOnStart</c>): unknown keys, values that do not parse, then the class's rules.
    /// </summary>
    public static OptionsBuilder<TOptions> AddSettingsSection<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
    {
        var settings = configuration.GetSection(section);
        services.AddSingleton<IValidateOptions<TOptions>>(new SettingsSectionValidator<TOptions>(settings, section));
        return services.AddOptions<TOptions>()
            // The binder would throw on a value it cannot convert; the validator reports it instead, with what the setting takes.
            .Configure(options =>
            {
                if (!KeyProblems<TOptions>(settings, section).Any()) settings.Bind(options);
            })
            .ValidateOnStart();
    }

    /// <summary>Reads and checks a section now, for settings the host is composed from; throws <see cref="OptionsValidationException"/>.</summary>
    public static TOptions Read<TOptions>(IConfiguration configuration, string section) where TOptions : class, new()
    {
        var settings = configuration.GetSection(section);
        var failures = KeyProblems<TOptions>(settings, section).ToList();
        if (failures.Count > 0) throw new OptionsValidationException(section, typeof(TOptions), failures);
        return Validate(settings.Get<TOptions>() ?? new TOptions(), section);
    }

    /// <summary>
    /// Checks options against their class's rules (or only the settings named in <paramref name="only"/>); returns them,
    /// or throws <see cref="OptionsValidationException"/>.
    /// </summary>
    public static TOptions Validate<TOptions>(TOptions options, string section, params string[] only) where TOptions : class
    {
        var failures = Problems(options, section, only).ToList();
        return failures.Count == 0 ? options : throw new OptionsValidationException(section, typeof(TOptions), failures);
    }

    /// <summary>
    /// What breaks the class's rules: every failing setting, or only those named in <paramref name="only"/>, then (when
    /// all settings are checked) the rules across settings.
    /// </summary>
    public static IEnumerable<string> Problems<TOptions>(TOptions options, string section, params string[] only) where TOptions : class
    {
        foreach (var property in SettingsOf(typeof(TOptions)).Where(p => only.Length == 0 || only.Contains(p.Name)))
        {
            var value = property.GetValue(options);
            var failed = new List<ValidationResult>();
            if (Validator.TryValidateProperty(value, new ValidationContext(options) { MemberName = property.Name }, failed)) continue;
            foreach (var failure in failed) yield return $"{Name(section, property.Name)} is {Show(value)}: {failure.ErrorMessage}";
        }
        // Validator.TryValidateObject skips these once one setting fails; running them anyway reports every problem at once.
        if (only.Length > 0 || options is not IValidatableObject whole) yield break;
        foreach (var failure in whole.Validate(new ValidationContext(options))) yield return failure.ErrorMessage ?? "";
    }

    /// <summary>The failures of a start-up refusal: those of an <see cref="OptionsValidationException"/>, or of several.</summary>
    public static IReadOnlyList<string> FailuresOf(Exception refusal) => refusal switch
    {
        OptionsValidationException invalid => invalid.Failures.ToList(),
        AggregateException many => many.InnerExceptions.SelectMany(FailuresOf).ToList(),
        _ => [],
    };

    /// <summary>Keys that are not settings (naming the new key of a renamed one), and values that do not parse.</summary>
    internal static IEnumerable<string> KeyProblems<TOptions>(IConfigurationSection settings, string section)
    {
        var known = SettingsOf(typeof(TOptions));
        foreach (var child in settings.GetChildren())
        {
            var property = known.FirstOrDefault(p => p.Name.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
                yield return $"{Name(section, child.Key)} is not a setting:{Moved(typeof(TOptions), child.Key)} the settings are {string.Join(", ", known.Select(p => p.Name))}.";
            else if (child.Value is { Length: > 0 } raw && !Parses(property.PropertyType, raw))
                yield return $"{Name(section, property.Name)} is \"{raw}\": use {Expected(property.PropertyType)}.";
        }
    }

    private static string Moved(Type options, string key) =>
        options.GetCustomAttributes<RenamedSettingAttribute>().FirstOrDefault(r => r.OldKey.Equals(key, StringComparison.OrdinalIgnoreCase)) is { } renamed
            ? $" it moved to section {renamed.Section}, as {Name(renamed.Section, renamed.Key)};"
            : "";

    // The settings are what the binder fills: public properties with a public setter.
    private static PropertyInfo[] SettingsOf(Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true).ToArray();

    // The binder converts with the type's TypeConverter, invariant culture; enums must also name a member.
    private static bool Parses(Type type, string raw)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return Enum.TryParse(type, raw, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!);
        try
        {
            System.ComponentModel.TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(type))}";
        if (type == typeof(TimeSpan)) return "a time span such as 00:00:05 (hh:mm:ss) or 1.00:00:00 (one day)";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(double)) return "a number such as 0.5";
        return $"a {type.Name}";
    }

    private static string Show(object? value) => value switch
    {
        null => "not set",
        string text when string.IsNullOrWhiteSpace(text) => "empty",
        string text => $"\"{text}\"",
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
