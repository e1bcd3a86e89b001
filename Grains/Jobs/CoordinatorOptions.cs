using System.ComponentModel.DataAnnotations;
using DistGen.Grains.Hosting;

namespace DistGen.Grains.Jobs;

/// <summary>
/// How a job's coordinator keeps its run alive and single (section "Coordinator"). A live runner writes a heartbeat
/// every <see cref="HeartbeatPeriod"/>; one silent for <see cref="RunnerSilentFor"/> may be replaced. Storage writes and
/// rounds whose workers cannot be reached are retried with backoff; the job fails only when such an outage lasts longer
/// than <see cref="OutageDeadline"/>. Calls someone waits on retry storage only for <see cref="CallOutageDeadline"/>.
/// </summary>
public sealed class CoordinatorOptions : IValidatableObject
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Coordinator";

    /// <summary>How often a running coordinator writes its heartbeat (and progress) to the job record, whatever its rounds do.</summary>
    [TimeSpanRange("00:00:00", MinimumIsExclusive = true, ErrorMessage = "use a positive time span, e.g. 00:00:05.")]
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A runner whose heartbeat is older than this is presumed gone, and another activation takes the run over.</summary>
    public TimeSpan RunnerSilentFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long job storage or a round's workers may stay unreachable (retried with backoff) before the job fails.</summary>
    [TimeSpanRange("00:00:00", MinimumIsExclusive = true, ErrorMessage = "use a positive time span, e.g. 00:05:00.")]
    public TimeSpan OutageDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a call that someone waits on (a submission, the accelerator ledger, a coordinator's reminder) waits for job
    /// storage, retried with backoff, before it fails with <see cref="StorageOutageException"/>: under the 30 s grain call
    /// timeout, so the caller reads the reason rather than a timeout.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:00:25", MinimumIsExclusive = true, ErrorMessage = "use a positive time span of at most 00:00:25 (grain calls time out after 30 s), e.g. 00:00:20.")]
    public TimeSpan CallOutageDeadline { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Takeovers in a row that make no progress (no round completed in between) before the job fails.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "use at least 1, e.g. 5.")]
    public int MaxTakeoversWithoutProgress { get; set; } = 5;

    /// <summary>Wait before the n-th takeover in a row continues the run: this, doubled for each earlier one, at most <see cref="MaxTakeoverDelay"/>.</summary>
    [TimeSpanRange("00:00:00", ErrorMessage = "use a time span of zero or more, e.g. 00:00:02.")]
    public TimeSpan TakeoverDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait before a takeover continues the run.</summary>
    public TimeSpan MaxTakeoverDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The rules across settings.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RunnerSilentFor < 3 * HeartbeatPeriod)
            yield return new ValidationResult(
                $"{Setting(nameof(RunnerSilentFor))} is {RunnerSilentFor:c}: make it at least 3 x {SectionName}:{nameof(HeartbeatPeriod)} " +
                $"({3 * HeartbeatPeriod:c}), so a live runner is never taken for a silent one.");
        if (MaxTakeoverDelay < TakeoverDelay)
            yield return new ValidationResult(
                $"{Setting(nameof(MaxTakeoverDelay))} is {MaxTakeoverDelay:c}: make it at least {SectionName}:{nameof(TakeoverDelay)} ({TakeoverDelay:c}).");
    }

    private static string Setting(string property) => SettingsSection.Name(SectionName, property);

    /// <summary>The wait before the n-th takeover in a row (n &gt;= 1) continues; none for the first.</summary>
    public TimeSpan DelayBeforeTakeover(int inARow) =>
        inARow <= 1 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(MaxTakeoverDelay.Ticks, TakeoverDelay.Ticks * (1L << Math.Min(20, inARow - 2))));
}
