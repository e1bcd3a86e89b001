namespace DistGen.Contracts.Jobs;

/// <summary>
/// One deterministic shard of a job's data. Key: "{jobId}/{shardIndex}". Serves the round's ticket (item indices or
/// window starts); asking for the same round again returns the same ticket, so a retried round sees the same data.
/// </summary>
public interface IDataShardGrain : IGrainWithStringKey
{
    Task<int[]> Ticket(long round);
}
