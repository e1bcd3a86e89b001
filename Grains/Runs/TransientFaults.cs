namespace DistGen.Grains.Runs;

/// <summary>
/// Tells faults that pass with time (a silo gone or draining, a call that timed out, the data plane unreachable or its
/// store full) from faults that a repeat will meet again (a refused tensor, a bug). Rounds repeat the first kind until
/// Coordinator:OutageDeadline and the second only Rounds:Attempts times.
/// </summary>
public static class TransientFaults
{
    // Data-plane failures reach the coordinator as DataPlaneFailure's message: "data plane: {gRPC status}: ...".
    private static readonly string[] TransientDataPlaneStatuses = ["Unavailable", "DeadlineExceeded", "ResourceExhausted", "Internal", "Cancelled"];

    public static bool IsTransient(Exception e) => e.GetBaseException() is var root && (Matches(e) || Matches(root));

    private static bool Matches(Exception e) => e switch
    {
        TimeoutException or SiloUnavailableException or OrleansMessageRejectionException => true,
        DataPlane.TensorStoreFullException => true,
        InvalidOperationException when e.Message.StartsWith("data plane: ", StringComparison.Ordinal) =>
            TransientDataPlaneStatuses.Any(status => e.Message.AsSpan("data plane: ".Length).StartsWith(status + ":", StringComparison.Ordinal)),
        _ => false,
    };
}
