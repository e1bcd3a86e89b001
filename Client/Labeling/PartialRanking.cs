namespace DistGen.Client.Labeling;

/// <summary>
/// A ranking being keyed in, best first: the completions picked so far. Once all but one are picked the last is implied,
/// so a person presses K-1 keys for K completions.
/// </summary>
public sealed class PartialRanking(int completions)
{
    private readonly List<int> _picked = [];

    public int Completions { get; } = completions;

    /// <summary>Completion indices picked so far, best first.</summary>
    public IReadOnlyList<int> Picked => _picked;

    /// <summary>Completion indices not picked yet, in their own order.</summary>
    public IEnumerable<int> Remaining => Enumerable.Range(0, Completions).Except(_picked);

    /// <summary>Whether only one completion is left, so the ranking is whole.</summary>
    public bool IsComplete => _picked.Count == Completions - 1;

    public bool Contains(int completion) => _picked.Contains(completion);

    public void Pick(int completion)
    {
        if (completion < 0 || completion >= Completions || Contains(completion) || IsComplete)
            throw new ArgumentOutOfRangeException(nameof(completion), completion, "not a completion left to rank");
        _picked.Add(completion);
    }

    /// <summary>Takes the last pick back; false when nothing is picked.</summary>
    public bool TakeBack()
    {
        if (_picked.Count == 0) return false;
        _picked.RemoveAt(_picked.Count - 1);
        return true;
    }

    /// <summary>The whole ranking: the picks, then the one completion left.</summary>
    public int[] ToRanking() => IsComplete ? [.. _picked, .. Remaining]
        : throw new InvalidOperationException($"{_picked.Count} of {Completions - 1} picks made");
}
