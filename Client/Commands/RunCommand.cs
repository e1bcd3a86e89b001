using System.CommandLine;
using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Specs;
using static TorchSharp.torch;

namespace DistGen.Client.Commands;

/// <summary><c>distgen run SPEC --reference [--out DIR]</c>: validates the spec, then trains in this process.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "Path of a job spec (JSON, apiVersion distgen/v1); see examples/." };
        var reference = new Option<bool>("--reference") { Description = "Run the plain single-process reference trainer." };
        var output = new Option<string?>("--out") { Description = "Run folder for artifacts (default: runs/<name>-<timestamp>/)." };
        var command = new Command("run", "Run a training job in this process and write its artifacts.") { spec, reference, output };
        command.SetAction((parse, cancel) => Task.FromResult(Run(parse.GetValue(spec)!, parse.GetValue(reference), parse.GetValue(output), cancel)));
        return command;
    }

    public static int Run(string specPath, bool reference, string? outputDirectory, CancellationToken cancel)
    {
        LoadedJob job;
        try
        {
            job = SpecLoader.LoadFile(specPath);
        }
        catch (SpecException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Fix the fields named above (the README's \"Job specs\" section lists every field).");
            return ExitCodes.BadInput;
        }
        if (!reference)
        {
            Console.Error.WriteLine("distgen run needs --reference in this version: the embedded cluster is not built yet. Run: distgen run SPEC --reference");
            return ExitCodes.BadInput;
        }
        var folder = outputDirectory ?? Path.Combine("runs", $"{job.Spec.Name}-{DateTime.Now:yyyyMMdd-HHmmss}");
        Device device;
        IReferenceTrainer trainer;
        try
        {
            device = ComputeDevice.Parse(job.Spec.Cluster.Device);
            trainer = job.Workload.CreateReferenceTrainer(job);
        }
        catch (Exception e) when (e is DataMissingException or ArgumentException or InvalidDataException)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "spec.json"), job.SourceJson);
        set_num_threads(job.Threads);

        Console.WriteLine($"{job.Spec.Name}: {job.Workload.Name} on {job.Spec.Data.Name}, reference trainer, seed {job.Spec.Seed}, device {device}, {job.Threads} thread(s), run folder {folder}");
        var progress = ConsoleProgress.ForConsole();
        try
        {
            var summary = trainer.Run(new RunContext(folder, job.Spec.Seed, device, progress, cancel));
            progress.Finish();
            Console.WriteLine($"done in {summary.WallSeconds:F1} s: " + string.Join(", ", summary.Figures.Select(kv => $"{kv.Key} = {kv.Value:G5}")));
            Console.WriteLine($"artifacts: {Path.GetFullPath(folder)} (metrics.csv, loss.png, samples, checkpoint.bin, summary.json)");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            progress.Finish();
            Console.Error.WriteLine($"cancelled; partial metrics are in {folder}");
            return ExitCodes.JobFailed;
        }
    }
}
