using DistGen.Training.Core;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace DistGen.Grains.Jobs;

/// <summary>
/// The coordinator's access to its persisted <see cref="JobRecord"/>. Writes are serialised (the heartbeat timer and the
/// rounds write from interleaved turns) and retried with jittered backoff while storage is unreachable, up to
/// Coordinator:OutageDeadline (<see cref="StorageRetry"/>); a new job's first record only up to Coordinator:CallOutageDeadline,
/// since its submission is waiting. An ETag conflict is told apart from a retry of this activation's own write that landed:
/// the record is read again, and only a newer lease in it means this runner was superseded.
/// </summary>
public sealed class JobRecordStore
{
    private readonly IPersistentState<JobRecord> _record;
    private readonly ILogger _logger;
    private readonly string _jobId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly StorageRetry _outage;
    private readonly StorageRetry _submission;

    public JobRecordStore(IPersistentState<JobRecord> record, CoordinatorOptions options, ILogger logger, string jobId)
    {
        (_record, _logger, _jobId) = (record, logger, jobId);
        _outage = new StorageRetry($"job {jobId}", options.OutageDeadline, "Coordinator:OutageDeadline", logger);
        _submission = new StorageRetry($"job {jobId}", options.CallOutageDeadline, "Coordinator:CallOutageDeadline", logger);
    }

    /// <summary>The record as last read or written by this activation.</summary>
    public JobRecord State => _record.State;

    public bool Exists => _record.RecordExists;

    /// <summary>The lease this activation holds while it runs the job (null when it does not).</summary>
    public long? HeldLease { get; set; }

    /// <summary>Reads the stored record again (retrying while storage is unreachable).</summary>
    public async Task RefreshAsync(CancellationToken cancellation = default)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            await _outage.RunAsync("read the job record", _ => _record.ReadStateAsync(), cancellation);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> (absolute values, so it can be applied again) and writes the record, retrying
    /// while storage is unreachable. With no lease held the write must match the stored ETag exactly (creating or
    /// claiming the job): a conflict returns false. With a lease held a conflict re-reads the record; if the lease is
    /// still this activation's, the change is applied to the fresh record and written again, else
    /// <see cref="SupersededRunException"/> is thrown.
    /// </summary>
    public Task<bool> WriteAsync(Action<JobRecord> change, CancellationToken cancellation = default) => WriteAsync(change, _outage, cancellation);

    /// <summary>
    /// Writes a new job's first record (no lease held, so a conflict returns false), waiting for storage only up to
    /// Coordinator:CallOutageDeadline: the submission waits on it and must get an answer within its call's timeout.
    /// </summary>
    public Task<bool> CreateAsync() => WriteAsync(_ => { }, _submission, CancellationToken.None);

    private async Task<bool> WriteAsync(Action<JobRecord> change, StorageRetry retry, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            for (int conflicts = 0; ; conflicts++)
            {
                change(_record.State);
                try
                {
                    await retry.RunAsync("write the job record", _ => _record.WriteStateAsync(), cancellation);
                    return true;
                }
                catch (InconsistentStateException)
                {
                    await retry.RunAsync("read the job record", _ => _record.ReadStateAsync(), cancellation);
                    if (HeldLease is not { } lease) return false;
                    if (_record.State.Lease != lease || conflicts >= 3)
                        throw new SupersededRunException($"job {_jobId}: lease {lease} was superseded by lease {_record.State.Lease}");
                    _logger.LogInformation("job {Job}: the record changed under lease {Lease} (an earlier write of ours landed late); writing again", _jobId, lease);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
