using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace DistGen.Training.Specs;

/// <summary>
/// Binds a JSON object onto an options class strictly: unknown fields, wrong types and out-of-range values are
/// all reported with their JSON path and what is allowed, instead of being ignored or defaulted.
/// Options classes are plain classes with public settable/init properties, camelCase in JSON, validated with
/// DataAnnotations (<see cref="RangeAttribute"/>, <see cref="AllowedValuesAttribute"/>, <see cref="RequiredAttribute"/>).
/// </summary>
public static class StrictJsonBinder
{
    private static readonly JsonSerializerOptions ValueOptions = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };

    public static T Bind<T>(JsonElement element, string path, List<SpecError> errors) where T : class, new() =>
        (T)Bind(element, typeof(T), path, errors);

    public static object Bind(JsonElement element, Type type, string path, List<SpecError> errors)
    {
        var target = Activator.CreateInstance(type)!;
        var properties = BindableProperties(type);
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SpecError(path, $"expected an object with fields {Allowed(properties)}, got {Describe(element)}"));
            return target;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in element.EnumerateObject())
        {
            var fieldPath = $"{path}.{field.Name}";
            if (!properties.TryGetValue(field.Name, out var property))
            {
                errors.Add(new SpecError(fieldPath, $"unknown field; allowed fields: {Allowed(properties)}"));
                continue;
            }
            seen.Add(field.Name);
            if (IsNestedOptions(property.PropertyType))
                property.SetValue(target, Bind(field.Value, property.PropertyType, fieldPath, errors));
            else if (TryReadValue(field.Value, property, out var value))
                property.SetValue(target, value);
            else
                errors.Add(new SpecError(fieldPath, $"expected {DescribeType(property.PropertyType)}, got {Describe(field.Value)}"));
        }
        foreach (var (name, property) in properties)
        {
            if (property.GetCustomAttribute<RequiredAttribute>() is not null && !seen.Contains(name))
                errors.Add(new SpecError($"{path}.{name}", "required field is missing"));
            else if (seen.Contains(name) && !IsNestedOptions(property.PropertyType))
                CheckAttributes(property, property.GetValue(target), $"{path}.{name}", errors);
        }
        if (target is IValidatableObject crossFieldRules)
        {
            foreach (var result in crossFieldRules.Validate(new ValidationContext(target)))
            {
                var member = result.MemberNames.FirstOrDefault();
                errors.Add(new SpecError(member is null ? path : $"{path}.{JsonNamingPolicy.CamelCase.ConvertName(member)}", result.ErrorMessage ?? "invalid"));
            }
        }
        return target;
    }

    /// <summary>The camelCase field names of an options class, for messages and documentation.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), StringComparer.Ordinal);

    private static void CheckAttributes(PropertyInfo property, object? value, string path, List<SpecError> errors)
    {
        foreach (var range in property.GetCustomAttributes<RangeAttribute>())
        {
            if (!range.IsValid(value))
                errors.Add(new SpecError(path, $"{Format(value)} is out of range; allowed: {Format(range.Minimum)} to {Format(range.Maximum)}"));
        }
        foreach (var allowed in property.GetCustomAttributes<AllowedValuesAttribute>())
        {
            if (!allowed.IsValid(value))
                errors.Add(new SpecError(path, $"{Format(value)} is not allowed; allowed values: {string.Join(", ", allowed.Values.Select(Format))}"));
        }
        foreach (var validation in property.GetCustomAttributes<ValidationAttribute>()
                     .Where(a => a is not RangeAttribute and not AllowedValuesAttribute and not RequiredAttribute))
        {
            if (!validation.IsValid(value))
                errors.Add(new SpecError(path, validation.FormatErrorMessage(path)));
        }
    }

    private static bool TryReadValue(JsonElement element, PropertyInfo property, out object? value)
    {
        value = null;
        var type = property.PropertyType;
        var underlying = Nullable.GetUnderlyingType(type);
        if (element.ValueKind == JsonValueKind.Null)
            // null only where the property says it may be null (string? or int?), never for a plain string.
            return underlying is not null || new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
        var effective = underlying ?? type;
        // Reject silent conversions System.Text.Json would otherwise refuse only by exception (e.g. 1.5 into an int).
        try
        {
            value = element.Deserialize(effective, ValueOptions);
            return value is not null || !effective.IsValueType;
        }
        catch (JsonException) { return false; }
        catch (InvalidOperationException) { return false; }
        catch (FormatException) { return false; }
    }

    private static bool IsNestedOptions(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type);

    private static string Allowed(IReadOnlyDictionary<string, PropertyInfo> properties) => string.Join(", ", properties.Keys);

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => element.ValueKind.ToString(),
    };

    private static string DescribeType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(int) || t == typeof(long)) return "an integer";
        if (t == typeof(double) || t == typeof(float)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string";
        if (t.IsArray) return $"an array of {DescribeType(t.GetElementType()!)}s";
        return t.Name;
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
