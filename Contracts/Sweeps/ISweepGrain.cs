using DistGen.Contracts.Jobs;
using DistGen.Contracts.Security;
using Orleans.Concurrency;

namespace DistGen.Contracts.Sweeps;

/// <summary>
/// One sweep: starts its member jobs through the registry, at most its limit at once, follows them, and writes the
/// table of their results when every one has ended. Key: the sweep id.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>Records the sweep and begins starting its members (called by the registry after validation; internal to the silos).</summary>
    Task Start(string sweepJson, DateTimeOffset submittedAt);

    /// <summary>Where the sweep and each member stand; answered from memory, also while the sweep waits on the registry.</summary>
    [ClientCallable(ClientRole.Viewer), AlwaysInterleave]
    Task<SweepStatus> GetStatus();

    /// <summary>Starts no more members and cancels the running ones; the table is written with what had finished.</summary>
    [ClientCallable(ClientRole.Operator)]
    Task Cancel();

    /// <summary>The manifest of the sweep's folder (sweep.md, sweep.csv, summary.json, spec.json) once the sweep has ended.</summary>
    [ClientCallable(ClientRole.Viewer)]
    Task<ArtifactManifest> GetArtifacts();
}
