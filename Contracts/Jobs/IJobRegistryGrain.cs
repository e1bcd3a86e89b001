using DistGen.Contracts.Security;

namespace DistGen.Contracts.Jobs;

/// <summary>The cluster's one job registry: validates specs, assigns ids, lists jobs. Key: <see cref="Key"/>.</summary>
public interface IJobRegistryGrain : IGrainWithStringKey
{
    public const string Key = "registry";

    [ClientCallable(ClientRole.Operator)]
    Task<SubmitResult> Submit(string specJson);

    [ClientCallable(ClientRole.Viewer)]
    Task<IReadOnlyList<JobStatus>> List();
}
