namespace DistGen.Training.Rlhf;

/// <summary>
/// Labelled comparisons as token sequences: every ranked completion once, as a row of <see cref="Sequences"/>
/// ([N, P + L]), and each pair as the rows of its chosen and its rejected completion, with the hidden rule's scores
/// of both (to judge accuracy against the noise-free rule).
/// </summary>
public sealed class ComparisonData
{
    private readonly List<long> _sequences = new();
    private readonly List<(int Chosen, int Rejected)> _pairs = new();
    private readonly List<double> _ruleScores = new();

    public ComparisonData(int sequenceLength) => SequenceLength = sequenceLength;

    public int SequenceLength { get; }

    public int SequenceCount => _ruleScores.Count;

    public int PairCount => _pairs.Count;

    /// <summary>[N, P + L] row-major.</summary>
    public IReadOnlyList<long> Sequences => _sequences;

    public (int Chosen, int Rejected) Pair(int index) => _pairs[index];

    public double RuleScore(int row) => _ruleScores[row];

    /// <summary>Adds a ranked request: its K sequences and the pairs its ranking implies.</summary>
    public void Add(IReadOnlyList<long[]> sequences, IReadOnlyList<double> ruleScores, IEnumerable<PreferencePair> pairs)
    {
        int first = SequenceCount;
        foreach (var sequence in sequences)
        {
            if (sequence.Length != SequenceLength) throw new ArgumentException($"a sequence of {sequence.Length} tokens; comparisons hold {SequenceLength}");
            _sequences.AddRange(sequence);
        }
        _ruleScores.AddRange(ruleScores);
        foreach (var pair in pairs) _pairs.Add((first + pair.Chosen, first + pair.Rejected));
    }
}
