using System.Text.Json;
using System.Text.Json.Nodes;
using DistGen.Training.Specs;

namespace DistGen.Training.Sweeps;

/// <summary>
/// A sweep document (format <c>distgen/v1</c>): one job spec (<c>job</c>) and one of its fields (<c>sweep.parameter</c>,
/// a dotted path such as <c>training.normalClasses</c>) set to each of <c>sweep.values</c> in turn. Each value makes one
/// member job; the cluster runs at most <c>sweep.maxConcurrentJobs</c> of them at once and tabulates the figures named
/// in <c>sweep.report</c> when they have all ended. Every member spec is validated when the sweep is read, so a sweep
/// whose fifth value is wrong is refused before its first job starts.
/// </summary>
public sealed class SweepSpec
{
    public const int MaxMembers = 100;
    // Spec sections nest a few levels; a deeper path names nothing and would nest the JSON past its writer's limit.
    private const int MaxPathDepth = 8;
    private static readonly string[] TopFields = ["apiVersion", "name", "sweep", "job"];
    private static readonly string[] SweepFields = ["parameter", "values", "labels", "maxConcurrentJobs", "report"];
    // Fields a member may not change: they name the job or its format, not a setting of it.
    private static readonly string[] FixedFields = ["apiVersion", "name"];

    private SweepSpec(string name, string parameter, int maxConcurrentJobs, IReadOnlyList<string> report, IReadOnlyList<SweepMemberSpec> members, string sourceJson)
    {
        (Name, Parameter, MaxConcurrentJobs, Report, Members, SourceJson) = (name, parameter, maxConcurrentJobs, report, members, sourceJson);
    }

    /// <summary>The sweep's name: lower-case letters, digits and dashes, like a job's.</summary>
    public string Name { get; }

    /// <summary>The dotted path of the job field each member sets, e.g. "training.normalClasses".</summary>
    public string Parameter { get; }

    /// <summary>How many member jobs may run at once.</summary>
    public int MaxConcurrentJobs { get; }

    /// <summary>The figures of each member's summary the table shows; empty: the workload's default (<see cref="SweepTable"/>).</summary>
    public IReadOnlyList<string> Report { get; }

    /// <summary>One member per value, in the order given.</summary>
    public IReadOnlyList<SweepMemberSpec> Members { get; }

    /// <summary>The document as submitted.</summary>
    public string SourceJson { get; }

    /// <summary>The members' workload (every member has the same: the parameter may not change it).</summary>
    public string Workload => Members[0].Job.Workload.Name;

    /// <summary>True when <paramref name="json"/> is a sweep document (an object with a <c>sweep</c> field) rather than a job spec.</summary>
    public static bool IsSweep(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Options);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("sweep", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads a sweep document and validates every member spec with <paramref name="validateJob"/> (e.g. the cluster's
    /// check, which also refuses workloads it does not run). Throws <see cref="SpecException"/> naming every problem.
    /// </summary>
    public static SweepSpec Parse(string json, Func<string, LoadedJob> validateJob)
    {
        JsonNode? root;
        try
        {
            // JsonNode finds a field named twice only when the object is first read: JsonDocument finds it now.
            using (var document = JsonDocument.Parse(json, Options)) RefuseRepeatedFields(document.RootElement, "$");
            root = JsonNode.Parse(json, documentOptions: Options);
        }
        catch (JsonException e)
        {
            throw new SpecException("$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        return Read(root, json, validateJob);
    }

    private static void RefuseRepeatedFields(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in element.EnumerateArray()) RefuseRepeatedFields(item, $"{path}[{i++}]");
        }
        if (element.ValueKind != JsonValueKind.Object) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in element.EnumerateObject())
        {
            if (!seen.Add(field.Name)) throw new SpecException($"{path}.{field.Name}", "named twice in one object; keep one");
            RefuseRepeatedFields(field.Value, $"{path}.{field.Name}");
        }
    }

    private static SweepSpec Read(JsonNode? root, string json, Func<string, LoadedJob> validateJob)
    {
        if (root is not JsonObject top) throw new SpecException("$", "a sweep is a JSON object with apiVersion, name, sweep and job");
        var errors = new List<SpecError>();
        Unknown(top, "$", TopFields, errors);
        if (Text(top, "apiVersion") != JobSpec.CurrentApiVersion)
            errors.Add(new SpecError("$.apiVersion", $"must be \"{JobSpec.CurrentApiVersion}\""));
        var name = Text(top, "name") ?? "";
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, JobSpec.NamePattern)) errors.Add(new SpecError("$.name", JobSpec.NameRule));
        if (top["job"] is not JsonObject job)
        {
            errors.Add(new SpecError("$.job", "the job spec every member starts from (a job spec as distgen submit takes, without its sweep)"));
            job = [];
        }
        if (top["sweep"] is not JsonObject sweep) throw new SpecException([.. errors, new SpecError("$.sweep", "an object with parameter, values and maxConcurrentJobs")]);
        Unknown(sweep, "$.sweep", SweepFields, errors);

        var parameter = Text(sweep, "parameter") ?? "";
        var path = parameter.Split('.');
        if (parameter.Length == 0 || path.Length > MaxPathDepth || path.Any(p => p.Length == 0 || !p.All(char.IsAsciiLetterOrDigit)))
            errors.Add(new SpecError("$.sweep.parameter", $"\"{parameter}\" is not a field path; name the job field to vary with dots, e.g. \"training.normalClasses\" or \"seed\""));
        else if (FixedFields.Contains(path[0]) || path[0] == "workload")
            errors.Add(new SpecError("$.sweep.parameter", $"a sweep varies a setting of one workload, not its {path[0]}; choose a field under model, training, data, cluster or seed"));

        var values = sweep["values"] as JsonArray;
        if (values is null || values.Count is 0 or > MaxMembers)
            errors.Add(new SpecError("$.sweep.values", $"a list of 1 to {MaxMembers} values for the parameter, one member job each, e.g. [[0], [1], [2]]"));
        var labels = ReadLabels(sweep, values?.Count ?? 0, errors);
        int maxConcurrent = 2;
        if (sweep["maxConcurrentJobs"] is { } limit)
        {
            if (limit.GetValueKind() != JsonValueKind.Number || !limit.AsValue().TryGetValue(out maxConcurrent) || maxConcurrent is < 1 or > MaxMembers)
                errors.Add(new SpecError("$.sweep.maxConcurrentJobs", $"how many member jobs may run at once: a whole number from 1 to {MaxMembers}"));
        }
        var report = ReadReport(sweep, errors);
        if (errors.Count > 0) throw new SpecException(errors);

        job["apiVersion"] ??= JobSpec.CurrentApiVersion;
        job["name"] ??= name;
        var members = new List<SweepMemberSpec>();
        for (int i = 0; i < values!.Count; i++)
        {
            var member = (JsonObject)job.DeepClone();
            Set(member, path, values[i]?.DeepClone());
            var memberJson = member.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            var label = labels?[i] ?? (values[i]?.ToJsonString() ?? "null");
            try
            {
                members.Add(new SweepMemberSpec(i, label, memberJson, validateJob(memberJson)));
            }
            catch (SpecException e)
            {
                errors.AddRange(e.Errors.Select(error => ForMember(error, i, parameter, label)));
            }
        }
        if (errors.Count > 0) throw new SpecException(errors);
        if (members.Select(m => m.Job.Workload.Name).Distinct().Count() > 1)
            throw new SpecException("$.sweep.values", "every member must run the same workload");
        return new SweepSpec(name, parameter, maxConcurrent, report, members, json);
    }

    /// <summary>A member job's error, at the member's own path under $.job and naming the value that made it.</summary>
    public SpecError ForMember(SweepMemberSpec member, SpecError error) => ForMember(error, member.Index, Parameter, member.Label);

    private static SpecError ForMember(SpecError error, int index, string parameter, string label) =>
        new($"$.job{error.Path.TrimStart('$')} (member {index}, {parameter} = {label})", error.Message);

    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static string? Text(JsonObject node, string field) =>
        node[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static void Unknown(JsonObject node, string path, string[] known, List<SpecError> errors)
    {
        foreach (var (field, _) in node)
            if (!known.Contains(field, StringComparer.Ordinal))
                errors.Add(new SpecError($"{path}.{field}", $"unknown field; allowed: {string.Join(", ", known)}"));
    }

    private static string[]? ReadLabels(JsonObject sweep, int count, List<SpecError> errors)
    {
        if (sweep["labels"] is null) return null;
        var labels = (sweep["labels"] as JsonArray)?.Select(l => l is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>().Trim() : "").ToArray();
        if (labels is null || labels.Length != count || labels.Any(l => l.Length is 0 or > 60))
            errors.Add(new SpecError("$.sweep.labels", $"one name of 1-60 characters per value ({count}), shown in the table instead of the value"));
        else if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Length)
            errors.Add(new SpecError("$.sweep.labels", "every label must differ from the others"));
        else return labels;
        return null;
    }

    private static string[] ReadReport(JsonObject sweep, List<SpecError> errors)
    {
        if (sweep["report"] is null) return [];
        var names = (sweep["report"] as JsonArray)?.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "").ToArray();
        if (names is null || names.Length == 0 || names.Any(n => n.Length == 0 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            errors.Add(new SpecError("$.sweep.report", "a list of figure names of the members' summary.json, e.g. [\"auroc_neg_elbo\"]"));
            return [];
        }
        return names;
    }

    // Creates the objects on the way, so a field the base job leaves at its default can be swept too.
    private static void Set(JsonObject node, string[] path, JsonNode? value)
    {
        for (int i = 0; i < path.Length - 1; i++)
        {
            if (node[path[i]] is not JsonObject next) node[path[i]] = next = [];
            node = next;
        }
        node[path[^1]] = value;
    }
}

/// <summary>One member of a sweep: its index, its label in the table, and its job spec (validated).</summary>
public sealed record SweepMemberSpec(int Index, string Label, string SpecJson, LoadedJob Job);
