using System.Text.Json;

namespace DistGen.Training.Specs;

/// <summary>Reads and validates a job spec completely before any work starts; every problem carries its JSON path.</summary>
public static class SpecLoader
{
    public static LoadedJob LoadFile(string path)
    {
        if (!File.Exists(path)) throw new SpecException("$", $"spec file '{path}' does not exist");
        return Parse(File.ReadAllText(path));
    }

    public static LoadedJob Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SpecException("$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}");
        }
        using (document)
        {
            var errors = new List<SpecError>();
            var spec = StrictJsonBinder.Bind<JobSpec>(document.RootElement, "$", errors);
            if (errors.Count > 0) throw new SpecException(errors);

            if (!WorkloadCatalog.TryGet(spec.Workload, out var workload))
                throw new SpecException("$.workload", $"unknown workload \"{spec.Workload}\"; allowed values: {string.Join(", ", WorkloadCatalog.Names)}");
            if (!workload.DataSets.Contains(spec.Data.Name, StringComparer.Ordinal))
                errors.Add(new SpecError("$.data.name", $"\"{spec.Data.Name}\" is not a data set of workload {workload.Name}; allowed values: {string.Join(", ", workload.DataSets)}"));
            // Only data-parallel workers move to a silo that joins (Grains/Placement/ElasticSpread.cs).
            if (spec.Cluster.Elastic && !workload.SumsGradientGroups)
                errors.Add(new SpecError("$.cluster.elastic", $"workload {workload.Name} does not scale up elastically; its members stay where they were placed " +
                    $"(elastic: data-parallel workloads, {string.Join(", ", WorkloadCatalog.Definitions.Where(d => d.SumsGradientGroups).Select(d => d.Name))})"));

            var model = BindSection(spec.Model, workload.ModelOptionsType, "$.model", errors);
            var training = BindSection(spec.Training, workload.TrainingOptionsType, "$.training", errors);
            var job = new LoadedJob(spec, workload, model, training, json);
            if (errors.Count == 0) workload.CrossCheck?.Invoke(job, errors);
            if (errors.Count > 0) throw new SpecException(errors);
            return job;
        }
    }

    private static object BindSection(JsonElement section, Type type, string path, List<SpecError> errors) =>
        section.ValueKind == JsonValueKind.Undefined
            ? Activator.CreateInstance(type)!
            : StrictJsonBinder.Bind(section, type, path, errors);

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
