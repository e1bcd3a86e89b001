using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// Multi-head causal self-attention: each position attends to itself and earlier positions only.
/// Input and output are [batch, time, d_model].
/// </summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear output;
    private readonly Dropout residualDropout;
    private readonly int _heads;

    public CausalSelfAttention(int modelDimension, int heads, double dropout = 0.0) : base(nameof(CausalSelfAttention))
    {
        if (modelDimension % heads != 0)
            throw new ArgumentException($"d_model ({modelDimension}) must be a multiple of the number of heads ({heads})");
        _heads = heads;
        query = nn.Linear(modelDimension, modelDimension);
        key = nn.Linear(modelDimension, modelDimension);
        value = nn.Linear(modelDimension, modelDimension);
        output = nn.Linear(modelDimension, modelDimension);
        residualDropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        long headWidth = width / _heads;
        // [B, T, d] -> [B, H, T, d_k]
        Tensor SplitHeads(Tensor y) => y.view(batch, time, _heads, headWidth).transpose(1, 2);
        var attended = Attend(SplitHeads(query.forward(x)), SplitHeads(key.forward(x)), SplitHeads(value.forward(x)));
        var merged = attended.transpose(1, 2).contiguous().view(batch, time, width);
        return residualDropout.forward(output.forward(merged));
    }

    /// <summary>
    /// The attention of new positions [B, T_new, d] that follow the <paramref name="cache"/>'s earlier ones: their keys
    /// and values join the cache's layer <paramref name="layer"/>, and each new position attends to every earlier one and
    /// to itself. Equal to <see cref="forward"/> over the whole sequence, one step at a time (incremental decoding).
    /// </summary>
    public Tensor ForwardCached(Tensor x, KeyValueCache cache, int layer)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        long headWidth = width / _heads;
        Tensor SplitHeads(Tensor y) => y.view(batch, time, _heads, headWidth).transpose(1, 2);
        var (keys, values) = cache.Append(layer, SplitHeads(key.forward(x)), SplitHeads(value.forward(x)));
        var attended = Attend(SplitHeads(query.forward(x)), keys, values);
        var merged = attended.transpose(1, 2).contiguous().view(batch, time, width);
        return residualDropout.forward(output.forward(merged));
    }

    /// <summary>
    /// Causal scaled dot-product attention over the last two dimensions of q [..., T_q, d_k] and k, v [..., T_k, d_k]
    /// (T_k >= T_q): the queries are the last T_q of the T_k positions, so query i sees keys 0 .. T_k - T_q + i.
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        long queries = q.shape[^2], keys = k.shape[^2];
        using var scale = Scalars.Owned(1.0 / Math.Sqrt(q.shape[^1]));
        // Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + M) V, with M[i, j] = -inf where key j lies after query i (no peeking ahead)
        var scores = q.matmul(k.transpose(-2, -1)).mul(scale);
        using var future = ones(queries, keys, ScalarType.Bool, q.device).triu(keys - queries + 1);
        var weights = scores.masked_fill(future, Scalars.Constant(double.NegativeInfinity)).softmax(-1);
        return weights.matmul(v);
    }
}
