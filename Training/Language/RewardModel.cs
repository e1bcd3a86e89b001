using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// A scalar reward model: a <see cref="CharTransformer"/> trunk whose final hidden state at the last token is mapped
/// by Linear(d_model, 1) to one reward per sequence; or, when built with <c>pooledFrom</c> P, the mean of that head over
/// positions P .. T-1 (the completion after a prompt of P tokens), which suits rewards that add up over the words of a
/// completion; or, given which tokens are letters (<c>letters</c>), the sum of that head at the positions that end a
/// word of the completion (the first non-letter after letters, past P), so that each finished word adds its own score.
/// The trunk is shared, not copied: start it from a trained LM.
/// </summary>
public sealed class RewardModel : nn.Module<Tensor, Tensor>
{
    private readonly CharTransformer trunk;
    private readonly Linear rewardHead;
    // Which token ids are letters (word pooling only); not a parameter or buffer: the vocabulary, not something learned.
    private readonly bool[]? letters;
    private Tensor? letterTable;

    /// <summary>
    /// Puts a fresh reward head (N(0, 0.02) weights, zero bias; seed libtorch first) on <paramref name="trunk"/>. With
    /// <paramref name="letters"/> (one flag per token id) and <paramref name="pooledFrom"/> &gt; 0 the reward is pooled over
    /// the completion's word ends.
    /// </summary>
    public RewardModel(CharTransformer trunk, int pooledFrom = 0, IReadOnlyList<bool>? letters = null) : base(nameof(RewardModel))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pooledFrom);
        if (letters is not null && pooledFrom == 0) throw new ArgumentException("word pooling needs the prompt length (pooledFrom > 0)", nameof(letters));
        this.trunk = trunk;
        PooledFrom = pooledFrom;
        this.letters = letters?.ToArray();
        rewardHead = nn.Linear(trunk.ModelDimension, 1);
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.normal_(rewardHead.weight!, 0, 0.02);
        nn.init.zeros_(rewardHead.bias!);
    }

    public CharTransformer Trunk => trunk;

    /// <summary>0: the reward is read at the last token; P > 0: it is pooled over positions P .. T-1.</summary>
    public int PooledFrom { get; }

    /// <summary>Whether the reward is the sum over the completion's word ends (else the mean over its positions).</summary>
    public bool PoolsWords => letters is not null;

    /// <summary>Rewards [B] of token sequences [B, T] that all end at position T-1.</summary>
    public override Tensor forward(Tensor tokens)
    {
        var hidden = trunk.HiddenStates(tokens);
        if (PooledFrom == 0) return rewardHead.forward(hidden[.., -1, ..]).squeeze(-1);
        long length = tokens.shape[1];
        if (PooledFrom >= length)
            throw new ArgumentException($"sequences of {length} tokens have nothing after position {PooledFrom} to pool");
        if (letters is null) return rewardHead.forward(hidden.narrow(1, PooledFrom, length - PooledFrom)).squeeze(-1).mean([1]);
        // Position t (> P) ends a word of the completion when token t is no letter and token t-1 is one.
        var isLetter = LetterTable(tokens.device).index_select(0, tokens.flatten()).view(tokens.shape);
        var previous = isLetter.narrow(1, PooledFrom, length - PooledFrom - 1);
        var current = isLetter.narrow(1, PooledFrom + 1, length - PooledFrom - 1);
        var ends = previous.logical_and(current.logical_not()).to(hidden.dtype);
        var scores = rewardHead.forward(hidden.narrow(1, PooledFrom + 1, length - PooledFrom - 1)).squeeze(-1);
        return scores.mul(ends).sum([1]);
    }

    private Tensor LetterTable(Device device)
    {
        if (letterTable is null || letterTable.device_type != device.type || letterTable.device_index != device.index)
        {
            letterTable?.Dispose();
            using var cpu = tensor(letters!, ScalarType.Bool);
            letterTable = cpu.to(device).DetachFromDisposeScope();
        }
        return letterTable;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) letterTable?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Rewards [B] of right-padded sequences [B, T] whose real lengths are <paramref name="lengths"/> [B] (int64, >= 1).</summary>
    public Tensor forward(Tensor tokens, Tensor lengths)
    {
        var hidden = trunk.HiddenStates(tokens);
        var index = lengths.sub(Scalars.Constant(1L)).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        var last = hidden.gather(1, index).squeeze(1);
        return rewardHead.forward(last).squeeze(-1);
    }
}
