namespace DistGen.Contracts.Jobs;

/// <summary>
/// One deterministic shard of a job's data. Key: "{jobId}/{shardIndex}". Serves the round's rows (item indices or
/// window starts); asking for the same round again returns the same rows, so a retried round sees the same data.
/// </summary>
public interface IDataShardGrain : IGrainWithStringKey
{
    Task<int[]> RowsOf(long round);
}
