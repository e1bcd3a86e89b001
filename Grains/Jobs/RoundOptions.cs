using System.ComponentModel.DataAnnotations;
using DistGen.Grains.Hosting;

namespace DistGen.Grains.Jobs;

/// <summary>How a coordinator bounds and repeats its rounds (section "Rounds"), for every workload family.</summary>
public sealed class RoundOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Rounds";

    /// <summary>How long a round may take before it is retried (workers lost with their silo are reactivated elsewhere).</summary>
    [TimeSpanRange("00:00:00", MinimumIsExclusive = true, ErrorMessage = "use a positive time span, e.g. 00:02:00.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of one round before the job fails (a silo leaving refuses calls for a few seconds while it drains).</summary>
    [Range(1, int.MaxValue, ErrorMessage = "use at least 1, e.g. 8.")]
    public int Attempts { get; set; } = 8;

    /// <summary>Wait before the first repeat of a failed round; doubles with jitter on each further repeat, up to 10 s.</summary>
    [TimeSpanRange("00:00:00", ErrorMessage = "use a time span of zero or more, e.g. 00:00:00.500.")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
