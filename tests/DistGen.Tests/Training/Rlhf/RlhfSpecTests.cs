using DistGen.Training.Rlhf;
using DistGen.Training.Specs;

namespace DistGen.Tests.Training.Rlhf;

public sealed class RlhfSpecTests
{
    private static string Spec(string training) =>
        $$"""{ "apiVersion": "distgen/v1", "name": "r", "workload": "rlhf", "data": { "name": "kjv" }, "training": {{training}} }""";

    [Fact]
    public void Nested_sections_bind_with_their_defaults_where_left_out()
    {
        var job = SpecLoader.Parse(Spec("""{ "iterations": 2, "ppo": { "updates": 7 }, "labels": { "tau": 0.6 } }"""));
        var training = Assert.IsType<RlhfTrainingOptions>(job.Training);
        Assert.Equal((2, 7, 0.6), (training.Iterations, training.Ppo.Updates, training.Labels.Tau));
        Assert.Equal(new RlhfPpoOptions().Epochs, training.Ppo.Epochs);
        Assert.Equal(new RlhfPromptOptions(), training.Prompts);
    }

    [Theory]
    [InlineData("""{ "ppo": { "prompts": 10, "minibatchSize": 4 } }""", "$.training.ppo", "not a multiple of ppo.minibatchSize")]
    [InlineData("""{ "labels": { "rule": "happiness" } }""", "$.training.labels.rule", "allowed values: \"sentiment\"")]
    [InlineData("""{ "labels": { "labeler": "crowd" } }""", "$.training.labels.labeler", "allowed values: \"auto\", \"person\"")]
    [InlineData("""{ "comparisons": { "perPrompt": 5 } }""", "$.training.comparisons.perPrompt", "out of range")]
    [InlineData("""{ "ppo": { "learningRate": 0.1, "clipp": 0.2 } }""", "$.training.ppo.clipp", "unknown field")]
    public void A_bad_setting_is_refused_at_its_path(string training, string path, string problem)
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse(Spec(training)));
        Assert.Contains(error.Errors, e => e.Path == path && e.Message.Contains(problem));
    }
}
