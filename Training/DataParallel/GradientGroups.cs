namespace DistGen.Training.DataParallel;

/// <summary>
/// Gradient groups of a data-parallel job (docs/architecture.md, "Gradient groups"): worker i belongs to group i mod G,
/// the same residue by which workers are spread over silos (worker i on silo (o + i) mod n, o fixed by the job), so with one group per silo a group
/// is the workers of one silo. A group of two or more is summed by its lead (its lowest index) before it crosses to the
/// coordinator; a group of one sends its gradient itself. Groups are fixed by index, never by placement, so the mean does
/// not depend on where the workers run.
/// </summary>
public static class GradientGroups
{
    /// <summary>G for a job: <paramref name="requested"/> when it is 1..W, otherwise W (every worker its own group).</summary>
    public static int Effective(int requested, int workers) => requested >= 1 && requested <= workers ? requested : workers;

    /// <summary>The group of worker <paramref name="worker"/>.</summary>
    public static int GroupOf(int worker, int groups) => worker % groups;

    /// <summary>How many of W workers are in group <paramref name="group"/>.</summary>
    public static int SizeOf(int group, int workers, int groups) => (workers - group + groups - 1) / groups;

    /// <summary>The workers of group <paramref name="group"/>, in index order (the first is its lead).</summary>
    public static IEnumerable<int> MembersOf(int group, int workers, int groups)
    {
        for (int worker = group; worker < workers; worker += groups) yield return worker;
    }

    /// <summary>
    /// The sum of a group's gradients, added in the order given in double precision and rounded once to float32, so the
    /// same gradients give the same bits wherever they were summed.
    /// </summary>
    /// <exception cref="ArgumentException">The gradients differ in length or one holds a non-finite value.</exception>
    public static float[] Sum(IReadOnlyList<ReadOnlyMemory<float>> gradients)
    {
        if (gradients.Count == 0) throw new ArgumentException("a group has at least one gradient", nameof(gradients));
        var sum = new GradientAverage(gradients[0].Length);
        foreach (var gradient in gradients) sum.Add(gradient);
        return sum.Sum();
    }
}
