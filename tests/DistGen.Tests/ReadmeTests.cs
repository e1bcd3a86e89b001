using DistGen.Tests.Training.Specs;
using DistGen.Training.Specs;

namespace DistGen.Tests;

public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(SpecLoaderTests.RepositoryRoot(), "README.md"));

    [Fact]
    public void Readme_shows_every_spec_field_as_the_code_defines_it()
    {
        var types = new[] { typeof(JobSpec), typeof(ClusterSection) }
            .Concat(WorkloadCatalog.Definitions.SelectMany(d => new[] { d.ModelOptionsType, d.TrainingOptionsType }));
        foreach (var type in types)
            Assert.True(Readme.Contains(SpecFields.MarkdownTable(type)),
                $"README's table for {type.Name} is out of date; regenerate it with: build/update-readme-fields.sh");
    }

    [Fact]
    public void Readme_first_command_runs_an_example_that_exists()
    {
        var first = Readme.Split('\n').First(l => l.Contains("dotnet run --project Client -- run ", StringComparison.Ordinal));
        var words = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var spec = words[Array.LastIndexOf(words, "run") + 1];
        SpecLoader.LoadFile(Path.Combine(SpecLoaderTests.RepositoryRoot(), spec));
    }
}
