using System.CommandLine;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Specs;
using DistGen.Training.Sweeps;
using static TorchSharp.torch;

namespace DistGen.Client.Commands;

/// <summary>
/// <c>distgen run SPEC [--reference] [--out DIR]</c>: the embedded default. Validates the spec, then runs the job on a
/// silo inside this process (no Redis, no other process) with the same grains a cluster runs, or, with --reference,
/// the plain single-process trainer.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "Path of a job spec (JSON, apiVersion distgen/v1); see examples/." };
        var reference = new Option<bool>("--reference") { Description = "Run the plain single-process reference trainer instead of the embedded cluster." };
        var output = new Option<string?>("--out") { Description = "Run folder for artifacts (default: runs/<job-id>/, or runs/<name>-<timestamp>/ with --reference)." };
        var command = new Command("run", "Run a training job in this process (embedded one-silo cluster) and write its artifacts.") { spec, reference, output };
        command.SetAction((parse, cancel) => RunAsync(parse.GetValue(spec)!, parse.GetValue(reference), parse.GetValue(output), cancel));
        return command;
    }

    public static int Run(string specPath, bool reference, string? outputDirectory, CancellationToken cancel) =>
        RunAsync(specPath, reference, outputDirectory, cancel).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string specPath, bool reference, string? outputDirectory, CancellationToken cancel)
    {
        if (File.Exists(specPath) && SweepSpec.IsSweep(File.ReadAllText(specPath)))
            return await RunSweepEmbeddedAsync(specPath, reference, outputDirectory, cancel);
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
        Device device;
        try
        {
            device = ComputeDevice.Parse(job.Spec.Cluster.Device);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        set_num_threads(job.Threads);
        bool clusterRuns = RunFamilies.RunsOnCluster(job.Workload);
        if (!reference && !clusterRuns)
            Console.WriteLine($"note: the cluster does not run {job.Workload.Name} jobs yet; running its single-process reference trainer");
        // Off the calling thread: System.CommandLine starts listening for Ctrl+C only once the action has returned its task.
        return reference || !clusterRuns
            ? await Task.Run(() => RunReference(job, device, outputDirectory, cancel), CancellationToken.None)
            : await RunEmbeddedAsync(job, outputDirectory, cancel);
    }

    private static int RunReference(LoadedJob job, Device device, string? outputDirectory, CancellationToken cancel)
    {
        var folder = outputDirectory ?? Path.Combine("runs", $"{job.Spec.Name}-{DateTime.Now:yyyyMMdd-HHmmss}");
        IReferenceTrainer trainer;
        try
        {
            trainer = job.Workload.CreateReferenceTrainer(job);
        }
        catch (Exception e) when (e is DataMissingException or ArgumentException or InvalidDataException)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "spec.json"), job.SourceJson);
        Console.WriteLine($"{job.Spec.Name}: {job.Workload.Name} on {job.Spec.Data.Name}, reference trainer, seed {job.Spec.Seed}, device {device}, {job.Threads} thread(s), run folder {folder}");
        try
        {
            var summary = ConsoleProgress.Show("step", progress => trainer.Run(new RunContext(folder, job.Spec.Seed, device, progress, cancel)));
            Console.WriteLine($"done in {summary.WallSeconds:F1} s: " + string.Join(", ", summary.Figures.Select(kv => $"{kv.Key} = {kv.Value:G5}")));
            Console.WriteLine($"artifacts: {Path.GetFullPath(folder)} (metrics.csv, loss.png, samples, checkpoint.bin, summary.json)");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"cancelled; partial metrics are in {folder}");
            return ExitCodes.JobFailed;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or DataMissingException or CheckpointCorruptException)
        {
            // A setting that only the run itself can judge (a checkpoint of another shape, too few labelled pairs): its message says what to change.
            Console.Error.WriteLine($"{e.Message}; what the run wrote so far is in {folder}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>
    /// An embedded job that waits for a person's labels gets them in this terminal: the labelling console opens on its
    /// requests. The embedded silo lives only as long as this process, so a person who quits (or a console that is not a
    /// terminal) ends the job; the answers given stay in its run folder.
    /// </summary>
    private static async Task<bool> LabelHereAsync(IGrainFactory grains, string jobId, CancellationToken cancel)
    {
        var console = AnsiConsole.Console;
        if (console.Profile.Capabilities.Interactive && !Console.IsInputRedirected)
        {
            int labelled = await LabelCommand.RunOnJobAsync(new LabelArguments(jobId), grains, console, Console.Out, Console.Error, cancel);
            var work = await grains.GetGrain<IJobCoordinatorGrain>(jobId).GetLabelWork();
            if (labelled == ExitCodes.Success && work is null) return true;
            Console.Error.WriteLine($"{jobId}: not every request was answered, and an embedded job ends with this process; cancelling it " +
                "(its answers so far are in its run folder). To label over several sessions, submit the job to a cluster (distgen submit) and use distgen label JOB-ID.");
        }
        else
        {
            Console.Error.WriteLine($"{jobId} waits for a person's labels (training.labels.labeler \"person\"), and this console is not a terminal to rank in; " +
                "cancelling it. Run it in a terminal, use labeler \"auto\", or submit it to a cluster and answer with distgen label JOB-ID.");
        }
        await grains.GetGrain<IJobCoordinatorGrain>(jobId).Cancel();
        return true;
    }

    /// <summary>
    /// A sweep on the embedded silo: its member jobs run in this process, at most its limit at once, then its table is
    /// printed and written to the sweep's folder (runs/SWEEP-ID, or --out).
    /// </summary>
    private static async Task<int> RunSweepEmbeddedAsync(string specPath, bool reference, string? outputDirectory, CancellationToken cancel)
    {
        if (reference)
        {
            Console.Error.WriteLine("a sweep runs its member jobs on a cluster (here the embedded silo); run it without --reference");
            return ExitCodes.BadInput;
        }
        var json = File.ReadAllText(specPath);
        SweepSpec sweep;
        try
        {
            sweep = SweepSpec.Parse(json, JobWorkloads.ValidateForCluster);
            // Loads the data set now, so missing data stops us before the silo starts.
            sweep.Members[0].Job.Workload.CreateRoundWorkload!(sweep.Members[0].Job);
        }
        catch (SpecException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Fix the fields named above (the README's \"Sweeps\" section lists the sweep's fields).");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is DataMissingException or ArgumentException or InvalidDataException)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        set_num_threads(sweep.Members[0].Job.Threads);
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions(), cancel);
        var submitted = await silo.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(json);
        if (!submitted.Accepted)
        {
            foreach (var error in submitted.Errors) Console.Error.WriteLine(error);
            return ExitCodes.BadInput;
        }
        var sweepId = submitted.JobId!;
        // Ctrl+C cancels the sweep (the members' artifacts so far are kept), then the silo stops.
        using var onCancel = cancel.Register(() => _ = silo.GrainFactory.GetGrain<Contracts.Sweeps.ISweepGrain>(sweepId).Cancel());
        int exit = await SweepWatch.FollowAsync(silo.GrainFactory, sweepId, CancellationToken.None);
        var folder = Path.Combine("runs", sweepId);
        if (outputDirectory is not null)
        {
            var manifest = await silo.GrainFactory.GetGrain<Contracts.Sweeps.ISweepGrain>(sweepId).GetArtifacts();
            await ArtifactFiles.DownloadAsync(manifest, sweepId, outputDirectory, dataPlane: null,
                silo.Services.GetRequiredService<TransportSecurity>().Certificates, CancellationToken.None);
            folder = outputDirectory;
        }
        Console.WriteLine($"sweep table: {Path.GetFullPath(folder)} (sweep.md, sweep.csv, summary.json); member run folders: runs/{sweepId}-N");
        return exit;
    }

    private static async Task<int> RunEmbeddedAsync(LoadedJob job, string? outputDirectory, CancellationToken cancel)
    {
        try
        {
            // Loads the data set now (once per process; the embedded silo reuses it), so missing data stops us before the silo starts.
            job.Workload.CreateRoundWorkload!(job);
        }
        catch (Exception e) when (e is DataMissingException or ArgumentException or InvalidDataException)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions(), cancel);
        var submitted = await silo.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(job.SourceJson);
        if (!submitted.Accepted)
        {
            foreach (var error in submitted.Errors) Console.Error.WriteLine(error);
            return ExitCodes.BadInput;
        }
        var jobId = submitted.JobId!;
        Console.WriteLine($"{jobId}: {job.Workload.Name} on {job.Spec.Data.Name}, {job.Spec.Cluster.Workers} worker(s) on an embedded silo, seed {job.Spec.Seed}, {job.Threads} thread(s)");
        // Ctrl+C cancels the job (its artifacts so far are kept), then the silo stops.
        using var onCancel = cancel.Register(() => _ = silo.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).Cancel());
        int exit = await JobWatch.FollowAsync(silo.GrainFactory, jobId, CancellationToken.None,
            whenWaiting: (waiting, ct) => LabelHereAsync(silo.GrainFactory, jobId, cancel));
        var status = await silo.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetStatus();
        if (status.Metrics.Count > 0)
            Console.WriteLine(string.Join(", ", status.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} = {kv.Value:G5}")));
        var folder = Path.Combine("runs", jobId);
        if (outputDirectory is not null)
        {
            // The same path as distgen fetch: a manifest, then the files over the silo's data plane (loopback here).
            await ArtifactFiles.FetchAsync(silo.GrainFactory, jobId, outputDirectory, dataPlane: null,
                silo.Services.GetRequiredService<TransportSecurity>().Certificates, CancellationToken.None);
            folder = outputDirectory;
        }
        Console.WriteLine($"artifacts: {Path.GetFullPath(folder)} (metrics.csv, loss.png, samples, checkpoint.bin, summary.json)");
        return exit;
    }
}
