using System.Text.Json;
using DistGen.Grains.Runs;
using DistGen.Training.Anomaly;
using DistGen.Training.Specs;
using DistGen.Training.Sweeps;

namespace DistGen.Tests.Training.Sweeps;

/// <summary>Reading sweep documents: the member specs they make, and every kind of mistake refused by its path before a job starts.</summary>
public sealed class SweepSpecTests
{
    private static string Sweep(string sweep, string job = """{ "workload": "anomaly", "data": { "name": "fashion-mnist" }, "training": { "normalClasses": [0], "steps": 10 } }""") =>
        $$"""{ "apiVersion": "distgen/v1", "name": "one-class", "sweep": {{sweep}}, "job": {{job}} }""";

    private static SweepSpec Parse(string json) => SweepSpec.Parse(json, JobWorkloads.ValidateForCluster);

    private static IReadOnlyList<SpecError> Refused(string json) => Assert.Throws<SpecException>(() => Parse(json)).Errors;

    [Fact]
    public void Each_value_makes_a_member_whose_spec_has_the_parameter_set_and_everything_else_of_the_job()
    {
        var sweep = Parse(Sweep("""{ "parameter": "training.normalClasses", "values": [[3], [1, 2]], "maxConcurrentJobs": 1 }"""));

        Assert.Equal(["[3]", "[1,2]"], sweep.Members.Select(m => m.Label));
        Assert.Equal([3], ((AnomalyTrainingOptions)sweep.Members[0].Job.Training).NormalClasses);
        Assert.Equal([1, 2], ((AnomalyTrainingOptions)sweep.Members[1].Job.Training).NormalClasses);
        Assert.All(sweep.Members, m => Assert.Equal(10, ((AnomalyTrainingOptions)m.Job.Training).Steps));
        // The job inherits the sweep's format and, without a name of its own, the sweep's name.
        Assert.All(sweep.Members, m => Assert.Equal("one-class", m.Job.Spec.Name));
        Assert.Equal((1, "anomaly", "training.normalClasses"), (sweep.MaxConcurrentJobs, sweep.Workload, sweep.Parameter));
        Assert.True(SweepSpec.IsSweep(sweep.SourceJson));
        Assert.False(SweepSpec.IsSweep(sweep.Members[0].SpecJson));
        Assert.False(SweepSpec.IsSweep("not json"));
    }

    // Admission refusals reach the sweep as text ("$.path: message", or a sentence): each becomes the member's own error.
    [Theory]
    [InlineData("$.cluster.workers: the job needs 8 accelerators", "$.job.cluster.workers (member 1, seed = b): the job needs 8 accelerators")]
    [InlineData("job other-job has not finished: wait for it", "$.job (member 1, seed = b): job other-job has not finished: wait for it")]
    public void A_members_refusal_names_its_path_under_job_and_the_value_that_made_it(string refusal, string expected)
    {
        var sweep = Parse(Sweep("""{ "parameter": "seed", "values": [1, 2], "labels": ["a", "b"] }"""));
        Assert.Equal(expected, sweep.ForMember(sweep.Members[1], SpecError.Parse(refusal)).ToString());
    }

    [Fact]
    public void A_field_the_job_leaves_out_is_created_and_labels_replace_the_values_in_the_table()
    {
        var sweep = Parse(Sweep("""{ "parameter": "seed", "values": [1, 2, 3], "labels": ["a", "b", "c"] }"""));

        Assert.Equal([1L, 2L, 3L], sweep.Members.Select(m => m.Job.Spec.Seed));
        Assert.Equal(["a", "b", "c"], sweep.Members.Select(m => m.Label));
        Assert.Equal(2, sweep.MaxConcurrentJobs);
        var nested = Parse(Sweep("""{ "parameter": "model.latentSize", "values": [4, 8] }"""));
        Assert.Equal(8, JsonDocument.Parse(nested.Members[1].SpecJson).RootElement.GetProperty("model").GetProperty("latentSize").GetInt32());
    }

    [Fact]
    public void A_bad_value_is_refused_naming_the_member_and_the_jobs_own_field()
    {
        var errors = Refused(Sweep("""{ "parameter": "training.normalClasses", "values": [[0], [12], [1]] }"""));

        var error = Assert.Single(errors);
        Assert.StartsWith("$.job.training.normalClasses (member 1, training.normalClasses = [12])", error.Path);
        Assert.Contains("classes are 0 to 9", error.Message);
    }

    [Theory]
    [InlineData("""{ "parameter": "training.normalClasses", "values": [] }""", "$.sweep.values")]
    [InlineData("""{ "parameter": "training.normalClasses" }""", "$.sweep.values")]
    [InlineData("""{ "parameter": "", "values": [[0]] }""", "$.sweep.parameter")]
    [InlineData("""{ "parameter": "training..steps", "values": [1] }""", "$.sweep.parameter")]
    [InlineData("""{ "parameter": "name", "values": ["a"] }""", "$.sweep.parameter")]
    [InlineData("""{ "parameter": "workload", "values": ["vae"] }""", "$.sweep.parameter")]
    [InlineData("""{ "parameter": "seed", "values": [1, 2], "labels": ["one"] }""", "$.sweep.labels")]
    [InlineData("""{ "parameter": "seed", "values": [1, 2], "labels": ["x", "x"] }""", "$.sweep.labels")]
    [InlineData("""{ "parameter": "seed", "values": [1], "maxConcurrentJobs": 0 }""", "$.sweep.maxConcurrentJobs")]
    [InlineData("""{ "parameter": "seed", "values": [1], "maxConcurrentJobs": "2" }""", "$.sweep.maxConcurrentJobs")]
    [InlineData("""{ "parameter": "seed", "values": [1], "report": ["auroc neg"] }""", "$.sweep.report")]
    [InlineData("""{ "parameter": "seed", "values": [1], "trials": 3 }""", "$.sweep.trials")]
    [InlineData("""{ "parameter": "training.stepz", "values": [1] }""", "$.job.training.stepz (member 0, training.stepz = 1)")]
    public void A_sweep_field_that_is_wrong_is_refused_by_its_path(string sweep, string path)
    {
        var errors = Refused(Sweep(sweep));

        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void A_document_that_is_no_sweep_is_refused_saying_what_a_sweep_holds()
    {
        Assert.Equal("$", Assert.Single(Refused("[1, 2]")).Path);
        Assert.Equal("$", Assert.Single(Refused("{ \"sweep\": ")).Path);
        var errors = Refused("""{ "apiVersion": "distgen/v2", "name": "Bad Name", "sweep": { "parameter": "seed", "values": [1] } }""");
        Assert.Equal(["$.apiVersion", "$.name", "$.job"], errors.Select(e => e.Path));
        Assert.Contains(Refused("""{ "apiVersion": "distgen/v1", "name": "a", "sweep": { "parameter": "seed", "values": [1] }, "job": {}, "extra": 1 }"""), e => e.Path == "$.extra");
        // A field named twice, anywhere, and a path too deep to name a field are spec errors, not crashes.
        Assert.Equal("$.name", Assert.Single(Refused("""{ "apiVersion": "distgen/v1", "name": "a", "name": "b", "sweep": {}, "job": {} }""")).Path);
        Assert.Equal("$.job.training.steps", Assert.Single(Refused(Sweep("""{ "parameter": "seed", "values": [1] }""",
            """{ "workload": "vae", "data": { "name": "fashion-mnist" }, "training": { "steps": 1, "steps": 2 } }"""))).Path);
        Assert.Contains(Refused(Sweep($$"""{ "parameter": "{{string.Join('.', Enumerable.Repeat("a", 70))}}", "values": [1] }""")), e => e.Path == "$.sweep.parameter");
        // A job without a workload is refused as the job spec would be, under $.job.
        Assert.Contains(Refused(Sweep("""{ "parameter": "seed", "values": [1] }""", "{}")), e => e.Path.StartsWith("$.job.workload", StringComparison.Ordinal));
    }
}
