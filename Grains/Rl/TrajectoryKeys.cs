using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;

namespace DistGen.Grains.Rl;

/// <summary>Data-plane keys of PPO trajectory batches: kind "trajectories", the acting policy's version, sender "{actor}#{ticket}".</summary>
public static class TrajectoryKeys
{
    public const string Kind = "trajectories";

    public static TensorKey Of(string job, long policyVersion, int actor, long ticket) =>
        new(job, Kind, policyVersion, $"{JobIds.Member(job, actor)}#{ticket}");
}
