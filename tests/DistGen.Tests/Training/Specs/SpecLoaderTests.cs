using DistGen.Training.Sweeps;
using DistGen.Grains.Runs;
using DistGen.Training.Gan;
using DistGen.Training.Specs;

namespace DistGen.Tests.Training.Specs;

public sealed class SpecLoaderTests
{
    private const string Valid = """
        {
          "apiVersion": "distgen/v1",
          "name": "ring",
          "workload": "gan",
          "seed": 7,
          "data": { "name": "ring8" },
          "model": { "hiddenSize": 96 },
          "training": { "steps": 100, "generatorLoss": "minimax" },
          "cluster": { "workers": 2, "device": "cpu" }
        }
        """;

    [Fact]
    public void A_valid_spec_binds_every_section()
    {
        var job = SpecLoader.Parse(Valid);
        Assert.Equal("gan", job.Workload.Name);
        Assert.Equal(7, job.Spec.Seed);
        Assert.Equal(96, ((GanModelOptions)job.Model).HiddenSize);
        Assert.Equal(3, ((GanModelOptions)job.Model).Layers);
        Assert.Equal("minimax", ((GanTrainingOptions)job.Training).GeneratorLoss);
        Assert.Equal(2, job.Spec.Cluster.Workers);
    }

    public static TheoryData<string, string, string, string> BadSpecs => new()
    {
        // what is wrong, the edit, the path named, a word the message must contain
        { "unknown top-level field", "\"seed\": 7", "\"seed\": 7, \"sede\": 1", "$.sede" },
        { "unknown nested field", "\"hiddenSize\": 96", "\"hiddenSize\": 96, \"hiden\": 3", "$.model.hiden" },
        { "wrong type", "\"steps\": 100", "\"steps\": \"many\"", "$.training.steps" },
        { "fraction for an integer", "\"steps\": 100", "\"steps\": 1.5", "$.training.steps" },
        { "out of range", "\"steps\": 100", "\"steps\": 0", "$.training.steps" },
        { "not an allowed value", "\"minimax\"", "\"wasserstein\"", "$.training.generatorLoss" },
        { "wrong api version", "distgen/v1", "distgen/v0", "$.apiVersion" },
        { "unknown workload", "\"workload\": \"gan\"", "\"workload\": \"diffusion\"", "$.workload" },
        { "data set of another workload", "ring8", "kjv", "$.data.name" },
        { "bad device", "\"device\": \"cpu\"", "\"device\": \"tpu\"", "$.cluster.device" },
        { "too many workers", "\"workers\": 2", "\"workers\": 100000", "$.cluster.workers" },
        { "bad name", "\"name\": \"ring\"", "\"name\": \"Ring Job!\"", "$.name" },
        { "section of the wrong kind", "\"model\": { \"hiddenSize\": 96 }", "\"model\": [1, 2]", "$.model" },
        { "missing data", "\"data\": { \"name\": \"ring8\" },", "", "$.data" },
        { "more gradient groups than workers", "\"workers\": 2", "\"workers\": 2, \"gradientGroups\": 3", "$.cluster.gradientGroups" },
        { "elastic for a workload that does not scale up", "\"workers\": 2", "\"workers\": 2, \"elastic\": true", "$.cluster.elastic" },
        { "elastic GPU workers", "\"device\": \"cpu\"", "\"device\": \"cuda\", \"elastic\": true", "$.cluster.elastic" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void A_malformed_spec_is_refused_with_the_json_path(string problem, string find, string replace, string path)
    {
        Assert.Contains(find, Valid);
        var json = Valid.Replace(find, replace);
        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse(json));
        Assert.True(error.Errors.Any(e => e.Path == path), $"{problem}: expected an error at {path}, got: {error.Message}");
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("100000000000")]
    public void Ppo_env_steps_that_would_overflow_the_update_count_are_refused_by_path(string steps)
    {
        var example = File.ReadAllText(Path.Combine(RepositoryRoot(), "examples", "ppo-cartpole.json"));
        Assert.Contains("\"totalEnvSteps\": 100000,", example);

        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse(example.Replace("\"totalEnvSteps\": 100000,", $"\"totalEnvSteps\": {steps},")));

        var found = Assert.Single(error.Errors);
        Assert.Equal("$.training.totalEnvSteps", found.Path);
        Assert.Contains("at most 10000000", found.Message);
    }

    // Found by SpecMutationProperties (seed c6D3H47zmiM2): a zero minibatch size ended the rule that it divides ppo.prompts
    // in a division by zero instead of a refusal naming the field.
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-4")]
    public void An_rlhf_ppo_minibatch_size_out_of_range_is_refused_by_path_not_a_crash(string size)
    {
        var example = File.ReadAllText(Path.Combine(RepositoryRoot(), "examples", "rlhf-kjv-person.json"));
        Assert.Contains("\"minibatchSize\": 16", example);

        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse(example.Replace("\"minibatchSize\": 16", $"\"minibatchSize\": {size}")));

        Assert.Contains(error.Errors, e => e.Path == "$.training.ppo.minibatchSize");
    }

    [Fact]
    public void Messages_list_what_is_allowed()
    {
        var unknown = Assert.Throws<SpecException>(() => SpecLoader.Parse(Valid.Replace("\"hiddenSize\": 96", "\"hiden\": 3")));
        Assert.Contains("allowed fields: latentSize, hiddenSize, layers, pack, channels", unknown.Message);
        var range = Assert.Throws<SpecException>(() => SpecLoader.Parse(Valid.Replace("\"steps\": 100", "\"steps\": 0")));
        Assert.Contains("allowed: 1 to 10000000", range.Message);
        var workload = Assert.Throws<SpecException>(() => SpecLoader.Parse(Valid.Replace("\"workload\": \"gan\"", "\"workload\": \"x\"")));
        Assert.Contains("gan", workload.Errors[0].Message);
        Assert.Contains("vae", workload.Errors[0].Message);
    }

    [Fact]
    public void Invalid_json_names_the_line()
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse("{\n \"apiVersion\": \"distgen/v1\",\n \"name\": }"));
        Assert.Contains("line 3", error.Message);
    }

    [Fact]
    public void Every_example_spec_and_sweep_is_valid()
    {
        var examples = Path.Combine(RepositoryRoot(), "examples");
        var files = Directory.GetFiles(examples, "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            // A sweep's every member spec is validated as the cluster validates it.
            if (SweepSpec.IsSweep(File.ReadAllText(file))) Assert.Equal(10, SweepSpec.Parse(File.ReadAllText(file), JobWorkloads.ValidateForCluster).Members.Count);
            else SpecLoader.LoadFile(file);
        }
        Assert.Contains(files, f => SweepSpec.IsSweep(File.ReadAllText(f)));
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DistGen.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DistGen.sln not found above the test folder");
    }
}
