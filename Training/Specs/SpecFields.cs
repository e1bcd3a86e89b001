using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Xml.Linq;

namespace DistGen.Training.Specs;

/// <summary>One field of a spec section: its JSON name, type, default, allowed values and what it means.</summary>
public sealed record SpecField(string Name, string Type, string Default, string Allowed, string Summary);

/// <summary>Describes the fields of options classes from their properties, attributes and XML summaries.</summary>
public static class SpecFields
{
    private static readonly Lazy<Dictionary<string, string>> Summaries = new(LoadSummaries);

    public static IReadOnlyList<SpecField> Of(Type optionsType)
    {
        var defaults = Activator.CreateInstance(optionsType);
        return StrictJsonBinder.BindableProperties(optionsType).Select(kv =>
        {
            var (name, property) = (kv.Key, kv.Value);
            var range = property.GetCustomAttribute<RangeAttribute>();
            var allowed = property.GetCustomAttribute<AllowedValuesAttribute>();
            string constraint = range is not null ? $"{Format(range.Minimum)} to {Format(range.Maximum)}"
                : allowed is not null ? string.Join(", ", allowed.Values.Select(Format))
                : "";
            Summaries.Value.TryGetValue($"P:{property.DeclaringType!.FullName}.{property.Name}", out var summary);
            bool section = property.PropertyType.IsClass && property.PropertyType != typeof(string) || property.PropertyType == typeof(System.Text.Json.JsonElement);
            return new SpecField(name, section ? "object" : TypeName(property.PropertyType),
                section ? "" : Format(property.GetValue(defaults)), constraint, summary ?? "");
        }).ToList();
    }

    /// <summary>A markdown table of the fields, as the README shows them.</summary>
    public static string MarkdownTable(Type optionsType) =>
        "| field | type | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n" +
        string.Join("\n", Of(optionsType).Select(f => $"| `{f.Name}` | {f.Type} | {f.Default} | {f.Allowed} | {f.Summary} |"));

    private static string TypeName(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "integer",
        var t when t == typeof(double) || t == typeof(float) => "number",
        var t when t == typeof(bool) => "boolean",
        var t when t == typeof(string) => "string",
        var t => t.Name,
    };

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        long l when l == long.MaxValue => "max",
        double d when d >= long.MaxValue => "max",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // XML docs ship next to the assembly (GenerateDocumentationFile); without them fields are listed without meanings.
    private static Dictionary<string, string> LoadSummaries()
    {
        var path = Path.ChangeExtension(typeof(SpecFields).Assembly.Location, ".xml");
        if (!File.Exists(path)) return new();
        return XDocument.Load(path).Descendants("member")
            .Where(m => m.Attribute("name") is not null && m.Element("summary") is not null)
            .ToDictionary(m => m.Attribute("name")!.Value,
                m => string.Join(" ", m.Element("summary")!.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
    }
}
