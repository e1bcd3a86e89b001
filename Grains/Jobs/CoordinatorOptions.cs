namespace DistGen.Grains.Jobs;

/// <summary>
/// How a job's coordinator keeps its run alive and single (section "Coordinator"). A live runner writes a heartbeat
/// every <see cref="HeartbeatPeriod"/>; one silent for <see cref="RunnerSilentFor"/> may be replaced. Storage writes and
/// rounds whose workers cannot be reached are retried with backoff; the job fails only when such an outage lasts longer
/// than <see cref="OutageDeadline"/>.
/// </summary>
public sealed class CoordinatorOptions
{
    /// <summary>How often a running coordinator writes its heartbeat (and progress) to the job record, whatever its rounds do.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A runner whose heartbeat is older than this is presumed gone, and another activation takes the run over.</summary>
    public TimeSpan RunnerSilentFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long job storage or a round's workers may stay unreachable (retried with backoff) before the job fails.</summary>
    public TimeSpan OutageDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Takeovers in a row that make no progress (no round completed in between) before the job fails.</summary>
    public int MaxTakeoversWithoutProgress { get; set; } = 5;

    /// <summary>Wait before the n-th takeover in a row continues the run: this, doubled for each earlier one, at most <see cref="MaxTakeoverDelay"/>.</summary>
    public TimeSpan TakeoverDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait before a takeover continues the run.</summary>
    public TimeSpan MaxTakeoverDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait before the n-th takeover in a row (n &gt;= 1) continues; none for the first.</summary>
    public TimeSpan DelayBeforeTakeover(int inARow) =>
        inARow <= 1 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(MaxTakeoverDelay.Ticks, TakeoverDelay.Ticks * (1L << Math.Min(20, inARow - 2))));
}
