using DistGen.Contracts.Security;
using DistGen.Contracts.Sweeps;

namespace DistGen.Contracts.Jobs;

/// <summary>The cluster's one job registry: validates specs and sweeps, assigns ids, lists jobs and sweeps. Key: <see cref="Key"/>.</summary>
public interface IJobRegistryGrain : IGrainWithStringKey
{
    public const string Key = "registry";

    /// <summary>Submits a job spec, or a sweep document (a job spec and a field to vary: its members are started by the sweep).</summary>
    [ClientCallable(ClientRole.Operator)]
    Task<SubmitResult> Submit(string specJson);

    /// <summary>
    /// Starts one member job of a sweep under the id the sweep chose, as <see cref="Submit"/> starts a job (internal to
    /// the silos). Asking again for a job already started answers its id: a sweep that moved silos may ask twice.
    /// </summary>
    Task<SubmitResult> SubmitMember(string jobId, string specJson);

    [ClientCallable(ClientRole.Viewer)]
    Task<IReadOnlyList<JobStatus>> List();

    [ClientCallable(ClientRole.Viewer)]
    Task<IReadOnlyList<SweepStatus>> ListSweeps();
}
