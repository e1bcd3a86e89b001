using System.ComponentModel.DataAnnotations;

namespace DistGen.Grains.Hosting;

/// <summary>
/// <see cref="RangeAttribute"/> for a <see cref="TimeSpan"/> setting, with limits written as time spans in the invariant
/// culture (<c>00:00:00.5</c>) and no upper limit unless one is given.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TimeSpanRangeAttribute : RangeAttribute
{
    public TimeSpanRangeAttribute(string minimum, string maximum = "10675199.02:48:05.4775807")
        : base(typeof(TimeSpan), minimum, maximum) => ParseLimitsInInvariantCulture = true;
}
