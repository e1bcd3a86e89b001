using DistGen.Contracts.Security;

namespace DistGen.Contracts.Jobs;

/// <summary>The cluster's one job registry: validates specs, assigns ids, lists jobs. Key: <see cref="Key"/>.</summary>
public interface IJobRegistryGrain : IGrainWithStringKey
{
    public const string Key = "registry";

    [ClientCallable]
    Task<SubmitResult> Submit(string specJson);

    [ClientCallable]
    Task<IReadOnlyList<JobStatus>> List();
}
