using DistGen.Grains.Jobs;
using DistGen.Training.Specs;

namespace DistGen.Tests.Grains.Jobs;

public sealed class GradientGroupChoiceTests
{
    private static string Vae(string cluster) => $$"""
        { "apiVersion": "distgen/v1", "name": "vae", "workload": "vae", "seed": 1, "data": { "name": "fashion-mnist" },
          "training": { "batchSize": 120 }, "cluster": {{cluster}} }
        """;

    private static int ChosenGroups(string spec, int activeSilos) =>
        SpecLoader.Parse(GradientGroupChoice.Resolve(SpecLoader.Parse(spec), spec, activeSilos)).Spec.Cluster.GradientGroups;

    [Theory]
    [InlineData(4, 2, 2)]
    [InlineData(4, 3, 3)]
    [InlineData(2, 5, 2)]
    [InlineData(4, 1, 4)]
    [InlineData(1, 1, 1)]
    public void An_unset_number_of_groups_becomes_one_per_silo_or_one_per_worker_on_a_single_silo(int workers, int silos, int groups) =>
        Assert.Equal(groups, ChosenGroups(Vae($$"""{ "workers": {{workers}} }"""), silos));

    [Fact]
    public void A_number_the_spec_sets_is_kept()
    {
        var spec = Vae("""{ "workers": 4, "gradientGroups": 1 }""");
        Assert.Same(spec, GradientGroupChoice.Resolve(SpecLoader.Parse(spec), spec, 3));
    }

    [Fact]
    public void Workloads_without_gradient_groups_are_left_as_they_are()
    {
        var gan = """
            { "apiVersion": "distgen/v1", "name": "ring", "workload": "gan", "data": { "name": "ring8" }, "cluster": { "workers": 2 } }
            """;
        Assert.Same(gan, GradientGroupChoice.Resolve(SpecLoader.Parse(gan), gan, 2));
    }

    [Fact]
    public void A_spec_without_a_cluster_section_gets_one()
    {
        var spec = """{ "apiVersion": "distgen/v1", "name": "vae", "workload": "vae", "data": { "name": "fashion-mnist" } }""";
        Assert.Equal(1, SpecLoader.Parse(GradientGroupChoice.Resolve(SpecLoader.Parse(spec), spec, 2)).Spec.Cluster.GradientGroups);
    }
}
