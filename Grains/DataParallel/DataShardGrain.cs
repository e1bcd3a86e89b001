using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.DataParallel;
using Orleans.Placement;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// One deterministic shard of a job's data, placed on the silo of the worker that first asks (its worker).
/// The order is a pure function of the seed, so a shard that lost its silo is rebuilt and replayed to the round asked.
/// </summary>
[PreferLocalPlacement]
public sealed class DataShardGrain(JobWorkloads workloads, IGrainFactory grains) : Grain, IDataShardGrain
{
    private IShardOrder? _order;
    private long _lastRound;
    private int[] _lastRows = [];

    public async Task<int[]> RowsOf(long round)
    {
        if (round < 1) throw new ArgumentOutOfRangeException(nameof(round), round, "rounds start at 1");
        if (_order is null || round < _lastRound)
        {
            var (jobId, shard) = JobIds.Parse(this.GetPrimaryKeyString());
            var spec = await grains.GetGrain<IJobCoordinatorGrain>(jobId).GetSpec();
            _order = workloads.Get(jobId, spec).WorkloadAs<IDataParallelWorkload>().CreateShardOrder(shard);
            _lastRound = 0;
        }
        while (_lastRound < round)
        {
            _lastRows = _order.Next();
            _lastRound++;
        }
        return _lastRows;
    }
}
