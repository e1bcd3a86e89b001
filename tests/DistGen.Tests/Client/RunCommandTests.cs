using DistGen.Client;
using DistGen.Client.Commands;

namespace DistGen.Tests.Client;

public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_malformed_spec_exits_2_before_any_work_and_writes_nothing()
    {
        var spec = Path.Combine(_folder, "bad.json");
        File.WriteAllText(spec, """{ "apiVersion": "distgen/v1", "name": "x", "workload": "gan", "data": { "name": "ring8" }, "training": { "steps": -1 } }""");
        var output = Path.Combine(_folder, "run");
        Assert.Equal(ExitCodes.BadInput, RunCommand.Run(spec, reference: true, output, CancellationToken.None));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_rlhf_run_from_a_file_that_is_no_checkpoint_exits_2_naming_it_and_keeps_what_it_wrote()
    {
        var start = Directory.CreateDirectory(Path.Combine(_folder, "not-a-run")).FullName;
        File.WriteAllText(Path.Combine(start, "checkpoint.bin"), "not a checkpoint");
        var spec = Path.Combine(_folder, "rlhf.json");
        File.WriteAllText(spec, $$"""
            { "apiVersion": "distgen/v1", "name": "rlhf-bad-start", "workload": "rlhf", "data": { "name": "kjv" },
              "model": { "contextLength": 24, "modelDimension": 16, "heads": 2, "layers": 1 },
              "training": { "from": "{{start}}", "prompts": { "words": 2, "length": 12, "completionLength": 10, "heldOut": 16 },
                "comparisons": { "prompts": 8, "perPrompt": 2 }, "rewardModel": { "steps": 1, "batchSize": 4 },
                "ppo": { "updates": 1, "prompts": 4, "minibatchSize": 4 } } }
            """);
        var output = Path.Combine(_folder, "rlhf-run");
        var errors = new StringWriter();
        var before = Console.Error;
        Console.SetError(errors);
        try
        {
            Assert.Equal(ExitCodes.BadInput, RunCommand.Run(spec, reference: true, output, CancellationToken.None));
        }
        finally
        {
            Console.SetError(before);
        }
        Assert.Contains($"checkpoint {Path.Combine(start, "checkpoint.bin")} is damaged", errors.ToString());
        Assert.True(File.Exists(Path.Combine(output, "spec.json")));
    }

    [Fact]
    public void A_sweep_with_a_bad_value_or_asked_of_the_reference_trainer_exits_2_before_any_work()
    {
        var spec = Path.Combine(_folder, "sweep.json");
        File.WriteAllText(spec, """
            { "apiVersion": "distgen/v1", "name": "bad-sweep", "sweep": { "parameter": "training.normalClasses", "values": [[1], [11]] },
              "job": { "workload": "anomaly", "data": { "name": "fashion-mnist" }, "training": { "normalClasses": [0] } } }
            """);
        var output = Path.Combine(_folder, "sweep-run");
        Assert.Equal(ExitCodes.BadInput, RunCommand.Run(spec, reference: false, output, CancellationToken.None));
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("[11]", "[2]"));
        Assert.Equal(ExitCodes.BadInput, RunCommand.Run(spec, reference: true, output, CancellationToken.None));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_missing_spec_file_exits_2() =>
        Assert.Equal(ExitCodes.BadInput, RunCommand.Run(Path.Combine(_folder, "absent.json"), true, null, CancellationToken.None));

    [Fact]
    public void A_tiny_reference_run_exits_0_and_writes_its_artifacts()
    {
        var spec = Path.Combine(_folder, "tiny.json");
        File.WriteAllText(spec, """
            { "apiVersion": "distgen/v1", "name": "tiny", "workload": "gan", "data": { "name": "grid25" },
              "model": { "hiddenSize": 16, "layers": 1 }, "training": { "steps": 20, "batchSize": 16, "logEvery": 5, "evalEvery": 10 } }
            """);
        var output = Path.Combine(_folder, "tiny-run");
        Assert.Equal(ExitCodes.Success, RunCommand.Run(spec, reference: true, output, CancellationToken.None));
        foreach (var file in new[] { "spec.json", "metrics.csv", "loss.png", "samples.png", "checkpoint.bin", "summary.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        Assert.Equal(1 + 4, File.ReadAllLines(Path.Combine(output, "metrics.csv")).Length);
    }
}
