namespace DistGen.Grains.Runs;

/// <summary>
/// How a run says that it waits for something outside the cluster (a person's labels) before its next round: the job's
/// record and status show it (state "waiting-for-…", with a message saying what to do) until the wait ends. The runner's
/// heartbeat goes on meanwhile, so a wait of hours is no takeover.
/// </summary>
public interface IRunWaiting
{
    /// <summary>Records that the run waits for <paramref name="what"/> (e.g. "labels"), with a message for the person.</summary>
    Task BeginAsync(string what, string message);

    /// <summary>Updates the message while the wait goes on (e.g. how many are answered); written with the next heartbeat.</summary>
    void Update(string message);

    /// <summary>Records that the wait is over.</summary>
    Task EndAsync(string message);
}
