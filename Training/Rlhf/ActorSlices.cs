namespace DistGen.Training.Rlhf;

/// <summary>
/// How a list of work items (draws, prompts, comparison pairs) is split over A actors: contiguous slices in actor order,
/// the first <c>n mod A</c> one item longer. The reference trainer works slice by slice too, so a cluster run and the
/// reference run batch every item with the same neighbours.
/// </summary>
public static class ActorSlices
{
    /// <summary>Where actor <paramref name="actor"/>'s slice of <paramref name="count"/> items starts, and how long it is.</summary>
    public static (int Start, int Length) Of(int count, int actors, int actor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(actors, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(actor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(actor, actors);
        int size = count / actors, extra = count % actors;
        return (actor * size + Math.Min(actor, extra), size + (actor < extra ? 1 : 0));
    }

    /// <summary>Actor <paramref name="actor"/>'s slice of <paramref name="items"/>.</summary>
    public static T[] Slice<T>(IReadOnlyList<T> items, int actors, int actor)
    {
        var (start, length) = Of(items.Count, actors, actor);
        return Enumerable.Range(start, length).Select(i => items[i]).ToArray();
    }
}
