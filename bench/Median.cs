namespace DistGen.Bench;

/// <summary>The middle value of repeated measurements (the upper one of an even count): robust to a disturbed run.</summary>
public static class Median
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
