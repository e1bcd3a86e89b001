namespace DistGen.Contracts.Jobs;

/// <summary>The cluster's one job registry: validates specs, assigns ids, lists jobs. Key: <see cref="Key"/>.</summary>
public interface IJobRegistryGrain : IGrainWithStringKey
{
    public const string Key = "registry";

    Task<SubmitResult> Submit(string specJson);

    Task<IReadOnlyList<JobStatus>> List();
}
