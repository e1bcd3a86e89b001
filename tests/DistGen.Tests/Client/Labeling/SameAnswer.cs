using DistGen.Training.Rlhf;

namespace DistGen.Tests.Client.Labeling;

/// <summary>Answers equal field by field, rankings by their elements (a record compares arrays by reference).</summary>
internal sealed class SameAnswer : IEqualityComparer<LabelAnswer?>
{
    public bool Equals(LabelAnswer? x, LabelAnswer? y) =>
        x is not null && y is not null && x.Id == y.Id && x.Labeler == y.Labeler && x.Skipped == y.Skipped && x.Undone == y.Undone
        && (x.Ranking ?? []).SequenceEqual(y.Ranking ?? []);

    public int GetHashCode(LabelAnswer? answer) => answer?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
}
