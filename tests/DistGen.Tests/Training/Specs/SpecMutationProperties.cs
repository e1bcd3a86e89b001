using DistGen.Training.Sweeps;
using DistGen.Grains.Runs;
using DistGen.Training.Rl;
using System.Text.Json.Nodes;
using CsCheck;
using DistGen.Grains.Jobs;
using DistGen.Training.Specs;

namespace DistGen.Tests.Training.Specs;

/// <summary>
/// Random damage to valid job specs (values of the wrong type or out of range, missing and unknown fields, cut-off
/// text) must give either a spec error naming a JSON path (exit 2) or a job the cluster accepts; never another
/// exception and never a hang. Seeded by CsCheck; a failure prints the seed and the smallest spec that breaks it.
/// </summary>
public sealed class SpecMutationProperties(Xunit.Abstractions.ITestOutputHelper output)
{
    private int _accepted, _refused;

    private static readonly string[] Valid = Directory.GetFiles(Path.Combine(SpecLoaderTests.RepositoryRoot(), "examples"), "*.json")
        .Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();

    private static readonly JsonNode?[] Replacements =
    [
        0, -1, 1, 2, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue, 1e308, -1e308, 1.5, 1e-320, -0.0,
        "", "x", new string('z', 10_000), "NaN", "1e400", "cuda:99", "ñ🚀", true, false, null, new JsonArray(), new JsonObject(),
    ];

    private static readonly Gen<Mutation> Mutations = Gen.OneOf<Mutation>(
        Gen.Select(Gen.Int, Gen.Int[0, Replacements.Length - 1], (at, value) => new Replace(at, value)),
        Gen.Int.Select(at => (Mutation)new Remove(at)),
        Gen.Select(Gen.Int, Gen.String[Gen.Char.AlphaNumeric, 1, 12], (at, name) => (Mutation)new AddUnknown(at, name)),
        Gen.Int.Select(at => (Mutation)new Truncate(at)));

    [Fact]
    public void A_damaged_spec_is_refused_with_a_json_path_or_accepted_as_a_valid_job_never_a_crash()
    {
        Gen.Select(Gen.Int[0, Valid.Length - 1], Mutations.Array[1, 4], (spec, damage) => Apply(Valid[spec], damage))
            .Sample(Outcome, iter: 1500, threads: 1);
        output.WriteLine($"{_accepted} damaged specs were still valid jobs, {_refused} were refused with paths");
        // Both outcomes must occur, or the damage is too mild (or too wild) to test anything.
        Assert.True(_accepted > 50 && _refused > 50, $"accepted {_accepted}, refused {_refused}");
    }

    // The console's spec check: a SpecException (exit 2) with paths, or a job the registry would accept.
    private void Outcome(string json)
    {
        var checking = Task.Run(() =>
        {
            try
            {
                // A damaged sweep (examples/anomaly-fashion-mnist-sweep.json) is read as the registry reads sweeps.
                if (SweepSpec.IsSweep(json)) _ = SweepSpec.Parse(json, JobWorkloads.ValidateForCluster).Members.Count;
                else
                {
                    var job = JobWorkloads.ValidateForCluster(json);
                    if (job.Workload.Name == "ppo") _ = job.CreateRoundWorkload<PpoWorkload>().Rounds;
                }
                Interlocked.Increment(ref _accepted);
            }
            catch (SpecException e)
            {
                Interlocked.Increment(ref _refused);
                Assert.NotEmpty(e.Errors);
                Assert.All(e.Errors, error => Assert.StartsWith("$", error.Path));
            }
        });
        Assert.True(checking.Wait(TimeSpan.FromSeconds(10)), "checking the spec did not finish within 10 s");
    }

    private static string Apply(string spec, Mutation[] damage)
    {
        var text = spec;
        foreach (var mutation in damage)
        {
            if (mutation is Truncate cut)
            {
                text = text[..(Math.Abs(cut.At % Math.Max(1, text.Length)))];
                continue;
            }
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                continue; // already cut off: text damage only from here on
            }
            if (root is null) continue;
            var nodes = Walk(root).ToList();
            var target = nodes[Math.Abs(mutation.At % nodes.Count)];
            switch (mutation)
            {
                case Replace replace when target.Parent is JsonObject parent:
                    parent[target.GetPropertyName()] = Replacements[replace.Value]?.DeepClone();
                    break;
                case Replace replace when target.Parent is JsonArray array:
                    array[target.GetElementIndex()] = Replacements[replace.Value]?.DeepClone();
                    break;
                case Remove when target.Parent is JsonObject parent:
                    parent.Remove(target.GetPropertyName());
                    break;
                case AddUnknown add when target is JsonObject obj && !obj.ContainsKey(add.Name):
                    obj[add.Name] = 1;
                    break;
            }
            text = root.ToJsonString();
        }
        return text;
    }

    private static IEnumerable<JsonNode> Walk(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
            foreach (var inner in Walk(child)) yield return inner;
    }

    private abstract record Mutation(int At);
    private sealed record Replace(int At, int Value) : Mutation(At);
    private sealed record Remove(int At) : Mutation(At);
    private sealed record AddUnknown(int At, string Name) : Mutation(At);
    private sealed record Truncate(int At) : Mutation(At);
}
