namespace DistGen.Grains.Hosting;

/// <summary>How silos find each other (setting <c>Cluster:Clustering</c>).</summary>
public enum ClusteringMode
{
    /// <summary>One silo on this machine, no membership store: development and the embedded <c>distgen run</c>.</summary>
    Localhost,

    /// <summary>Membership in Redis (<c>Cluster:Redis</c>): any number of silos on any machines.</summary>
    Redis,

    /// <summary>Redis membership plus Orleans' Kubernetes hosting (silo name and address from the pod, defunct pods deleted).</summary>
    Kubernetes,
}
