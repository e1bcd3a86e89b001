namespace DistGen.Client;

/// <summary>The exit codes every distgen command uses, so scripts can tell what went wrong.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int JobFailed = 1;
    public const int BadInput = 2;
    public const int ClusterUnreachable = 3;

    /// <summary>The cluster refused the call: this client's certificate does not allow it (a viewer submitting or cancelling).</summary>
    public const int Refused = 4;
}
