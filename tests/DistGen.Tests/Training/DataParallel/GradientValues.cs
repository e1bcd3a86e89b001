namespace DistGen.Tests.Training.DataParallel;

/// <summary>Seeded gradient-like values spanning ten orders of magnitude, both signs.</summary>
internal static class GradientValues
{
    public static float[] Of(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextSingle() - 0.5f) * MathF.Pow(10, random.Next(-6, 4))).ToArray();
    }
}
