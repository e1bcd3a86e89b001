using DistGen.Training.Core;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Polly;
using Polly.Retry;

namespace DistGen.Grains.Jobs;

/// <summary>
/// The coordinator's access to its persisted <see cref="JobRecord"/>. Writes are serialised (the heartbeat timer and the
/// rounds write from interleaved turns) and retried with jittered backoff while storage is unreachable, up to
/// Coordinator:OutageDeadline. An ETag conflict is told apart from a retry of this activation's own write that landed:
/// the record is read again, and only a newer lease in it means this runner was superseded.
/// </summary>
public sealed class JobRecordStore
{
    private readonly IPersistentState<JobRecord> _record;
    private readonly CoordinatorOptions _options;
    private readonly ILogger _logger;
    private readonly string _jobId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ResiliencePipeline _retry;

    public JobRecordStore(IPersistentState<JobRecord> record, CoordinatorOptions options, ILogger logger, string jobId)
    {
        (_record, _options, _logger, _jobId) = (record, options, logger, jobId);
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome.Exception is { } e
                    && e is not (InconsistentStateException or OperationCanceledException)
                    && CallerContextPipeline.Elapsed(arguments.Context) < options.OutageDeadline),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
            })
            .Build();
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
            await Retrying("read the job record", _ => new ValueTask(_record.ReadStateAsync()), cancellation);
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
    public async Task<bool> WriteAsync(Action<JobRecord> change, CancellationToken cancellation = default)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            for (int conflicts = 0; ; conflicts++)
            {
                change(_record.State);
                try
                {
                    await Retrying("write the job record", _ => new ValueTask(_record.WriteStateAsync()), cancellation);
                    return true;
                }
                catch (InconsistentStateException)
                {
                    await Retrying("read the job record", _ => new ValueTask(_record.ReadStateAsync()), cancellation);
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

    // Storage errors other than ETag conflicts are retried until the outage deadline; then the last one is thrown as a
    // StorageOutageException naming how long storage was unreachable.
    private async Task Retrying(string what, Func<CancellationToken, ValueTask> operation, CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        try
        {
            await _retry.ExecuteOnCallerContextAsync(async token =>
            {
                try
                {
                    await operation(token);
                    return true;
                }
                catch (Exception e) when (e is not (InconsistentStateException or OperationCanceledException))
                {
                    _logger.LogWarning("job {Job}: could not {What} (storage unreachable for {Seconds:F0} s): {Error}", _jobId, what,
                        (DateTimeOffset.UtcNow - started).TotalSeconds, e.GetBaseException().Message);
                    throw;
                }
            }, cancellation);
        }
        catch (Exception e) when (e is not (InconsistentStateException or OperationCanceledException))
        {
            throw new StorageOutageException($"job storage was unreachable for {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s " +
                $"(Coordinator:OutageDeadline is {_options.OutageDeadline}); could not {what}: {e.GetBaseException().Message}", e);
        }
    }
}

/// <summary>Job storage stayed unreachable longer than Coordinator:OutageDeadline.</summary>
public sealed class StorageOutageException(string message, Exception inner) : Exception(message, inner);
