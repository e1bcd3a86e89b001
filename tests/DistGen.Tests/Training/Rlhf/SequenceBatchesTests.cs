using DistGen.Training.Rlhf;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rlhf;

public sealed class SequenceBatchesTests
{
    [Fact]
    public void Every_sequence_is_handed_over_once_in_order_in_chunks_of_the_batch_rows()
    {
        const int width = 3, count = 2 * CompletionSampler.BatchRows + 5;
        var sequences = Enumerable.Range(0, count * width).Select(i => (long)i).ToArray();
        var seen = new List<long>();
        var chunks = new List<(int Start, int Rows)>();

        SequenceBatches.ForEach(sequences, width, CPU, (start, rows, tokens) =>
        {
            Assert.Equal([rows, width], tokens.shape);
            Assert.Equal(ScalarType.Int64, tokens.dtype);
            chunks.Add((start, rows));
            seen.AddRange(tokens.data<long>().ToArray());
        });

        Assert.Equal([(0, CompletionSampler.BatchRows), (CompletionSampler.BatchRows, CompletionSampler.BatchRows), (2 * CompletionSampler.BatchRows, 5)], chunks);
        Assert.Equal(sequences, seen);
    }

    [Fact]
    public void Tokens_that_are_no_whole_number_of_sequences_are_refused()
    {
        var refused = Assert.Throws<ArgumentException>(() => SequenceBatches.ForEach(new long[7], 3, CPU, (_, _, _) => { }));
        Assert.Contains("7 tokens are no whole number of sequences of 3", refused.Message);
    }
}
