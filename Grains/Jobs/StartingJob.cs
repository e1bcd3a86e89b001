using System.Text.Json.Nodes;
using DistGen.Contracts.Jobs;
using DistGen.Training.Rlhf;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>
/// A job that starts from another job's result: an RLHF job whose <c>training.from</c> is a job id (a plain name, not a
/// path). At submission the id must name a char-lm job of this cluster that succeeded; the spec is then rewritten to that
/// job's run folder, the path every silo reads the starting checkpoint from (run folders are shared), so the job's
/// spec.json records exactly what it started from. A path is left as it is.
/// </summary>
public static class StartingJob
{
    /// <summary>The spec to start (rewritten, or as it was), or the error that refuses it.</summary>
    public static async Task<(string? SpecJson, string? Error)> ResolveAsync(LoadedJob job, string specJson, IReadOnlyCollection<string> knownJobs,
        IGrainFactory grains, string artifactsRoot)
    {
        if (job.Training is not RlhfTrainingOptions { From: var from } || from.Length == 0 || !PlainNames.IsPlain(from)) return (specJson, null);
        if (!knownJobs.Contains(from))
            return (null, $"$.training.from: '{from}' is not a job of this cluster (see `distgen status`); give the id of a finished char-lm job, or a checkpoint path every silo can read");
        var status = await grains.GetGrain<IJobCoordinatorGrain>(from).GetStatus();
        if (status.Workload != "char-lm")
            return (null, $"$.training.from: job {from} is a {status.Workload} job; RLHF starts from a char-lm job");
        if (status.State != JobState.Succeeded)
            return (null, $"$.training.from: job {from} is {status.State}; RLHF starts from a char-lm job that succeeded (wait for it, or give a checkpoint path)");
        var spec = JsonNode.Parse(specJson)!.AsObject();
        spec["training"]!["from"] = JobFolders.Of(artifactsRoot, from);
        return (spec.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), null);
    }
}
