using DistGen.Training.Core;
using DistGen.Training.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Language;

public sealed class CausalSelfAttentionTests
{
    // softmax(Q K^T / sqrt(d_k) + causal mask) V by hand, in doubles, for one head: rows are positions.
    private static double[,] HandAttention(double[,] q, double[,] k, double[,] v)
    {
        int time = q.GetLength(0), dk = q.GetLength(1), dv = v.GetLength(1);
        var result = new double[time, dv];
        for (int i = 0; i < time; i++)
        {
            var scores = new double[i + 1];
            for (int j = 0; j <= i; j++)
            {
                for (int c = 0; c < dk; c++) scores[j] += q[i, c] * k[j, c];
                scores[j] /= Math.Sqrt(dk);
            }
            double max = scores.Max();
            var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
            double total = weights.Sum();
            for (int j = 0; j <= i; j++)
                for (int c = 0; c < dv; c++) result[i, c] += weights[j] / total * v[j, c];
        }
        return result;
    }

    private static Tensor AsTensor(double[,] values) =>
        tensor(values.Cast<double>().Select(x => (float)x).ToArray(), [values.GetLength(0), values.GetLength(1)]);

    [Fact]
    public void Attend_equals_hand_computed_masked_softmax_of_scaled_scores()
    {
        var q = new double[,] { { 0.5, -1.0 }, { 1.5, 0.25 }, { -0.75, 2.0 } };
        var k = new double[,] { { 1.0, 0.0 }, { -0.5, 1.0 }, { 0.25, -2.0 } };
        var v = new double[,] { { 1.0, 2.0, 3.0 }, { -1.0, 0.0, 1.0 }, { 4.0, -2.0, 0.5 } };

        var actual = CausalSelfAttention.Attend(AsTensor(q), AsTensor(k), AsTensor(v)).data<float>().ToArray();

        var expected = HandAttention(q, k, v).Cast<double>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        // The first position can only see itself: its output is exactly v[0].
        Assert.Equal(new float[] { 1, 2, 3 }, actual[..3]);
    }

    [Fact]
    public void Module_with_identity_projections_attends_per_head_over_its_slice_of_the_features()
    {
        Seeding.Seed(3);
        using var attention = new CausalSelfAttention(modelDimension: 4, heads: 2);
        using (no_grad())
        {
            foreach (var (name, p) in attention.named_parameters())
            {
                if (name.EndsWith("weight", StringComparison.Ordinal)) p.copy_(eye(4));
                else p.zero_();
            }
        }
        var x = new double[,] { { 0.3, -1.2, 0.8, 0.1 }, { 1.1, 0.4, -0.6, 0.9 }, { -0.2, 0.7, 1.5, -1.0 } };

        var actual = attention.forward(AsTensor(x).unsqueeze(0)).squeeze(0).data<float>().ToArray();

        for (int head = 0; head < 2; head++)
        {
            var slice = new double[3, 2];
            for (int t = 0; t < 3; t++) for (int c = 0; c < 2; c++) slice[t, c] = x[t, 2 * head + c];
            var expected = HandAttention(slice, slice, slice);
            for (int t = 0; t < 3; t++)
                for (int c = 0; c < 2; c++) Assert.Equal(expected[t, c], actual[t * 4 + 2 * head + c], 5);
        }
    }

    [Fact]
    public void Changing_a_later_token_leaves_earlier_logits_exactly_unchanged()
    {
        Seeding.Seed(11);
        using var model = new CharTransformer(new CharLmModelOptions { VocabularySize = 10, ContextLength = 8, ModelDimension = 16, Heads = 2, Layers = 2 });
        model.eval();
        using var noGrad = no_grad();
        var original = new long[] { 1, 4, 2, 7, 3, 3, 9, 0, 5, 5, 6, 1, 8, 2, 0, 4 };
        const int t = 3;
        var changed = (long[])original.Clone();
        changed[t + 1] = (changed[t + 1] + 5) % 10;
        changed[8 + t + 1] = (changed[8 + t + 1] + 3) % 10;

        var before = model.forward(tensor(original, [2, 8]));
        var after = model.forward(tensor(changed, [2, 8]));

        Assert.Equal(before[.., ..(t + 1)].data<float>().ToArray(), after[.., ..(t + 1)].data<float>().ToArray());
        Assert.NotEqual(before[.., t + 1].data<float>().ToArray(), after[.., t + 1].data<float>().ToArray());
    }
}
