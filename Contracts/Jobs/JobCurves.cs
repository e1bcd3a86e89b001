namespace DistGen.Contracts.Jobs;

/// <summary>
/// A job's training curves as its run folder's metrics.csv holds them, thinned to a bounded number of steps (evenly
/// spread, the first and the latest always kept): what the job pages draw. <see cref="Values"/> holds one array per
/// column, NaN where a figure was not measured at that step. <see cref="LoggedSteps"/> counts every row of the file.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobCurves(
    [property: Id(0)] string JobId,
    [property: Id(1)] string[] Columns,
    [property: Id(2)] long[] Steps,
    [property: Id(3)] double[][] Values,
    [property: Id(4)] int LoggedSteps)
{
    /// <summary>The most steps a call returns.</summary>
    public const int MaxPoints = 2000;
}
