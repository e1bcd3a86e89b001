namespace DistGen.Client.Connection;

/// <summary>The cluster could not be reached (or was lost): commands exit with code 3 and print <see cref="Exception.Message"/>.</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What the user can do about it, the end of every message.</summary>
    public const string Advice = "start a silo or check --redis/--gateway (and --cluster-id)";
}
