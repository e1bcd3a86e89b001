using System.Text.Json.Nodes;
using DistGen.Training.Specs;

namespace DistGen.Bench;

/// <summary>An example spec from examples/ with a smaller budget or another seed, validated like any user spec.</summary>
public static class BenchSpec
{
    public static LoadedJob FromExample(string repositoryRoot, string example, long seed, params (string Section, string Field, JsonNode Value)[] overrides)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(repositoryRoot, "examples", example)))!.AsObject();
        node["seed"] = seed;
        foreach (var (section, field, value) in overrides)
        {
            if (node[section] is not JsonObject target) node[section] = target = new JsonObject();
            target[field] = value.DeepClone();
        }
        return SpecLoader.Parse(node.ToJsonString());
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DistGen.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("run the benchmarks from inside the repository");
    }
}
