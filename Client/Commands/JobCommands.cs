using System.CommandLine;
using System.Text.Json;
using DistGen.Client.Connection;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Sweeps;
using DistGen.Grains.Artifacts;

namespace DistGen.Client.Commands;

/// <summary>
/// The cluster's job commands: submit, watch, status, list, cancel, fetch, for jobs and for sweeps (a job id or a sweep
/// id). Each connects with the shared connection flags (--redis or --gateway, --cluster-id, --secret) and maps trouble
/// to the exit codes.
/// </summary>
public static class JobCommands
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        // A figure not measured yet is NaN; scripts get "NaN" rather than a crash.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IEnumerable<Command> Create()
    {
        yield return Submit();
        yield return Watch();
        yield return Status();
        yield return List();
        yield return Cancel();
        yield return Fetch();
    }

    private static Command Submit()
    {
        var spec = new Argument<string>("spec") { Description = "Path of a job spec or a sweep (JSON)." };
        var watch = new Option<bool>("--watch") { Description = "Follow the job or sweep after submitting it (as distgen watch)." };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("submit", "Submit a job spec or a sweep to a cluster; prints the job or sweep id.") { spec, watch });
        command.SetAction((parse, cancel) =>
        {
            var path = parse.GetValue(spec)!;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"spec file '{path}' does not exist");
                return Task.FromResult(ExitCodes.BadInput);
            }
            var json = File.ReadAllText(path);
            return ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
            {
                var result = await cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(json);
                if (!result.Accepted)
                {
                    Console.Error.WriteLine("invalid job spec:");
                    foreach (var error in result.Errors) Console.Error.WriteLine("  " + error);
                    return ExitCodes.BadInput;
                }
                Console.WriteLine(result.JobId);
                if (!parse.GetValue(watch)) return ExitCodes.Success;
                return result.IsSweep ? await SweepWatch.FollowAsync(cluster.GrainFactory, result.JobId!, ct) : await JobWatch.FollowAsync(cluster.GrainFactory, result.JobId!, ct);
            }, cancel);
        });
        return command;
    }

    private static Command Watch()
    {
        var id = JobIdArgument();
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("watch",
            "Follow a job (or a sweep and its member jobs) with a live progress bar until it ends; exit 0 when it succeeded, 1 otherwise.") { id });
        command.SetAction((parse, cancel) => ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
        {
            var found = await FindAnyAsync(cluster.GrainFactory, parse.GetValue(id)!, ct);
            return found.Sweep is not null ? await SweepWatch.FollowAsync(cluster.GrainFactory, parse.GetValue(id)!, ct)
                : await JobWatch.FollowAsync(cluster.GrainFactory, parse.GetValue(id)!, ct);
        }, cancel));
        return command;
    }

    private static Command Status()
    {
        var id = JobIdArgument();
        var json = new Option<bool>("--json") { Description = "Print the status as JSON." };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("status", "Show a job's state, round and latest metrics, or a sweep's members and table.") { id, json });
        command.SetAction((parse, cancel) => ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
        {
            var (status, sweep) = await FindAnyAsync(cluster.GrainFactory, parse.GetValue(id)!, ct);
            if (status is null && sweep is null) return UnknownJob(parse.GetValue(id)!);
            if (parse.GetValue(json)) Console.WriteLine(status is not null ? JsonSerializer.Serialize(status, Json) : JsonSerializer.Serialize(sweep, Json));
            else if (status is not null) JobTable.PrintStatus(status);
            else SweepView.PrintStatus(sweep!);
            return ExitCodes.Success;
        }, cancel));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the jobs (with --sweeps: the sweeps) as a JSON array." };
        var sweepsOnly = new Option<bool>("--sweeps") { Description = "List the sweeps only." };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("list", "List the cluster's jobs (sweep members included), then its sweeps.") { json, sweepsOnly });
        command.SetAction((parse, cancel) => ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
        {
            var registry = cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
            var jobs = parse.GetValue(sweepsOnly) ? [] : await registry.List();
            // --json keeps its shape for scripts: one array, of jobs or (with --sweeps) of sweeps.
            var sweeps = parse.GetValue(json) && !parse.GetValue(sweepsOnly) ? []
                : (await registry.ListSweeps()).Where(s => s.SubmittedAt != default).ToList();
            if (parse.GetValue(json)) Console.WriteLine(parse.GetValue(sweepsOnly) ? JsonSerializer.Serialize(sweeps, Json) : JsonSerializer.Serialize(jobs, Json));
            else
            {
                if (!parse.GetValue(sweepsOnly)) JobTable.PrintList(jobs);
                if (sweeps.Count > 0 || parse.GetValue(sweepsOnly)) SweepView.PrintList(sweeps);
            }
            return ExitCodes.Success;
        }, cancel));
        return command;
    }

    private static Command Cancel()
    {
        var id = JobIdArgument();
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("cancel",
            "Cancel a running job (its artifacts so far are kept), or a sweep: no member starts any more and the running ones are cancelled.") { id });
        command.SetAction((parse, cancel) => ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
        {
            var jobId = parse.GetValue(id)!;
            var (job, sweep) = await FindAnyAsync(cluster.GrainFactory, jobId, ct);
            if (job is null && sweep is null) return UnknownJob(jobId);
            if (sweep is not null) await cluster.GrainFactory.GetGrain<ISweepGrain>(jobId).Cancel();
            else await cluster.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).Cancel();
            Console.WriteLine($"{jobId}: cancellation requested");
            return ExitCodes.Success;
        }, cancel));
        return command;
    }

    private static Command Fetch()
    {
        var id = JobIdArgument();
        var output = new Option<string?>("--out") { Description = "Folder for the job's artifacts (default: runs/<job-id>/)." };
        var dataPlane = new Option<string?>("--data-plane")
        {
            Description = "Download from this data-plane address instead of the one the cluster names, e.g. https://127.0.0.1:5005 " +
                "through a port-forward to any silo (every silo serves every job's run folder).",
        };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("fetch",
            "Copy a job's artifacts (metrics.csv, loss.png, samples, checkpoint, summary.json) from the cluster: a manifest from its coordinator, the files over the data plane.")
            { id, output, dataPlane });
        command.SetAction((parse, cancel) => ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
        {
            var jobId = parse.GetValue(id)!;
            var (job, sweep) = await FindAnyAsync(cluster.GrainFactory, jobId, ct);
            if (job is null && sweep is null) return UnknownJob(jobId);
            var folder = parse.GetValue(output) ?? Path.Combine("runs", jobId);
            ArtifactManifest manifest;
            try
            {
                var listed = sweep is not null ? await cluster.GrainFactory.GetGrain<ISweepGrain>(jobId).GetArtifacts()
                    : await cluster.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetArtifacts();
                manifest = await ArtifactFiles.DownloadAsync(listed, jobId, folder, parse.GetValue(dataPlane), cluster.Settings.Certificates, ct);
            }
            catch (UntrustedArtifactException refused)
            {
                Console.Error.WriteLine($"{jobId}: {refused.Message}");
                return ExitCodes.BadInput;
            }
            catch (InvalidOperationException unlisted)
            {
                // The coordinator could not make the manifest (a run folder of more files than a manifest lists).
                Console.Error.WriteLine($"{jobId}: {unlisted.Message}");
                return ExitCodes.JobFailed;
            }
            catch (ArtifactDownloadException failed)
            {
                Console.Error.WriteLine($"{jobId}: {failed.Message}" + (failed.Unreachable
                    ? "; from outside the silos' network, port-forward a silo's data-plane port and give --data-plane" : ""));
                return failed.Unreachable ? ExitCodes.ClusterUnreachable : ExitCodes.JobFailed;
            }
            if (manifest.Files.Length == 0)
            {
                Console.Error.WriteLine(sweep is not null
                    ? $"sweep {jobId} has no table yet (it is written when every member has ended, on the silo that runs the sweep); distgen status {jobId} shows its members"
                    : $"{jobId} has no artifacts yet (or its coordinator's silo lost them); try again when it has run a round");
                return ExitCodes.JobFailed;
            }
            Console.WriteLine($"{manifest.Files.Length} files ({manifest.Files.Sum(a => a.Size):N0} bytes) of {jobId} in {Path.GetFullPath(folder)}: " +
                string.Join(", ", manifest.Files.Select(a => a.FileName)));
            return ExitCodes.Success;
        }, cancel));
        return command;
    }

    private static Argument<string> JobIdArgument() => new("job-id") { Description = "The job or sweep id distgen submit printed (see distgen list)." };

    /// <summary>The job's status, or null when the cluster has never seen that id.</summary>
    public static async Task<JobStatus?> FindAsync(IGrainFactory grains, string jobId, CancellationToken cancel = default)
    {
        var status = await StatusPolling.GetStatusAsync(grains.GetGrain<IJobCoordinatorGrain>(jobId), cancel);
        return status.SubmittedAt == default ? null : status;
    }

    /// <summary>The job's status, else the sweep's of that id; both null when the cluster knows neither.</summary>
    public static async Task<(JobStatus? Job, SweepStatus? Sweep)> FindAnyAsync(IGrainFactory grains, string id, CancellationToken cancel)
    {
        if (await FindAsync(grains, id, cancel) is { } job) return (job, null);
        var sweep = await StatusPolling.GetSweepStatusAsync(grains.GetGrain<ISweepGrain>(id), cancel);
        return (null, sweep.SubmittedAt == default ? null : sweep);
    }

    private static int UnknownJob(string jobId)
    {
        Console.Error.WriteLine($"no job or sweep '{jobId}' in this cluster; see distgen list");
        return ExitCodes.BadInput;
    }
}
