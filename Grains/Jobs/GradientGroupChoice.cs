using System.Text.Json;
using System.Text.Json.Nodes;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Fixes a data-parallel job's gradient groups at submission when its spec leaves <c>cluster.gradientGroups</c> at 0:
/// one group per active silo, at most one per worker; on a cluster of one silo, one group per worker, since no gradient
/// would cross a network and a group sum would only add a pass over the gradients. The number is written into the spec,
/// so the job's spec.json records it and a takeover or a rerun of that spec sums exactly as this run did, whatever the
/// cluster looks like then.
/// </summary>
public static class GradientGroupChoice
{
    /// <summary>The spec to start: with the chosen number of groups, or as it was.</summary>
    public static string Resolve(LoadedJob job, string specJson, int activeSilos)
    {
        var cluster = job.Spec.Cluster;
        if (!job.Workload.SumsGradientGroups || cluster.GradientGroups > 0) return specJson;
        var spec = JsonNode.Parse(specJson)!.AsObject();
        if (spec["cluster"] is not JsonObject section) spec["cluster"] = section = new JsonObject();
        section[JsonNamingPolicy.CamelCase.ConvertName(nameof(ClusterSection.GradientGroups))] = activeSilos <= 1 ? cluster.Workers : Math.Min(activeSilos, cluster.Workers);
        return spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
