using System.CommandLine;
using System.Globalization;
using DistGen.Client.Connection;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Artifacts;
using DistGen.Training.Anomaly;
using DistGen.Training.Core;

namespace DistGen.Client.Commands;

/// <summary>
/// <c>distgen score SOURCE INPUT</c>: scores new images with a finished anomaly detector and writes a CSV of item, score
/// and whether it is anomalous at the detector's threshold. SOURCE is a run folder on this machine (what
/// <c>distgen run</c> wrote) or a job id on the cluster, whose spec, checkpoint and summary are fetched over the data plane.
/// </summary>
public static class ScoreCommand
{
    private static readonly string[] DetectorFiles = ["spec.json", "checkpoint.bin", "summary.json"];

    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "A finished anomaly job: its run folder, or its job id on the cluster." };
        var input = new Argument<string>("input") { Description = "A gzipped IDX image file of 28x28 images, or a folder of PNG/JPEG images." };
        var score = new Option<string?>("--score") { Description = "reconstruction, neg_elbo or iw_nll (default: the one with the job's best test AUROC)." };
        var output = new Option<string?>("--out") { Description = "The CSV to write (default: scores-<source>.csv here)." };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("score", "Score images with a finished anomaly detector: a CSV of item, score and anomalous at its threshold.")
            { source, input, score, output });
        command.SetAction((parse, cancel) =>
        {
            var from = parse.GetValue(source)!;
            var csv = parse.GetValue(output) ?? $"scores-{Path.GetFileName(Path.TrimEndingDirectorySeparator(from))}.csv";
            if (Directory.Exists(from)) return Task.FromResult(Score(from, parse.GetValue(input)!, parse.GetValue(score), csv));
            return ClusterSession.RunAsync(parse, connection, async (cluster, ct) =>
            {
                if (await JobCommands.FindAsync(cluster.GrainFactory, from, ct) is not { } status)
                {
                    Console.Error.WriteLine($"{from} is neither a run folder here nor a job of this cluster (see distgen list)");
                    return ExitCodes.BadInput;
                }
                if (status.State != JobState.Succeeded)
                {
                    Console.Error.WriteLine($"{from} is {status.StateName}: only a finished anomaly job has a detector to score with");
                    return ExitCodes.BadInput;
                }
                var folder = Directory.CreateTempSubdirectory("distgen-detector-").FullName;
                try
                {
                    await FetchDetectorAsync(cluster, from, folder, ct);
                    return Score(folder, parse.GetValue(input)!, parse.GetValue(score), csv);
                }
                catch (UntrustedArtifactException refused)
                {
                    Console.Error.WriteLine($"{from}: {refused.Message}");
                    return ExitCodes.BadInput;
                }
                catch (ArtifactDownloadException failed)
                {
                    Console.Error.WriteLine($"{from}: {failed.Message}");
                    return failed.Unreachable ? ExitCodes.ClusterUnreachable : ExitCodes.JobFailed;
                }
                finally
                {
                    Directory.Delete(folder, recursive: true);
                }
            }, cancel);
        });
        return command;
    }

    // The three files the detector is made of, each by its own manifest (not the whole run folder).
    private static async Task FetchDetectorAsync(ClusterConnection cluster, string jobId, string folder, CancellationToken cancel)
    {
        var coordinator = cluster.GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId);
        foreach (var file in DetectorFiles)
        {
            var manifest = await coordinator.GetArtifact(file);
            if (manifest.Files is not [var artifact]) throw new ArtifactDownloadException($"the run folder has no {file}", unreachable: false);
            ArtifactFiles.Check(manifest);
            using var download = new ArtifactDownload(manifest.DataPlaneEndpoint, cluster.Settings.Certificates);
            await download.ToFileAsync(jobId, artifact, Path.Combine(folder, file), cancel);
        }
    }

    /// <summary>Scores <paramref name="input"/> with the detector in <paramref name="folder"/> and writes <paramref name="csv"/>; the exit code.</summary>
    public static int Score(string folder, string input, string? scoreName, string csv)
    {
        try
        {
            using var detector = AnomalyDetector.Load(folder);
            var score = scoreName ?? detector.BestScore;
            double threshold = detector.ThresholdOf(score);
            var (images, names) = ScoringInput.Read(input);
            var scores = detector.Score(images)[score];
            var temporary = $"{csv}.partial";
            using (var writer = new StreamWriter(temporary))
            {
                writer.WriteLine($"item,{score},anomalous");
                for (int i = 0; i < names.Length; i++)
                    writer.WriteLine($"{CsvField.Of(names[i])},{scores[i].ToString("R", CultureInfo.InvariantCulture)},{(scores[i] > threshold ? 1 : 0)}");
            }
            File.Move(temporary, csv, overwrite: true);
            int flagged = scores.Count(s => s > threshold);
            Console.WriteLine($"{names.Length} images scored by {score}; {flagged} anomalous above {threshold.ToString("G6", CultureInfo.InvariantCulture)} " +
                $"(the threshold that flags {detector.FalsePositiveRate:P1} of held-out normal images); wrote {Path.GetFullPath(csv)}");
            return ExitCodes.Success;
        }
        catch (ScoringInputException bad)
        {
            Console.Error.WriteLine($"distgen score: {bad.Message}");
            return ExitCodes.BadInput;
        }
    }
}
