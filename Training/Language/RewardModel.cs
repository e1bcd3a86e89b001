using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// A scalar reward model: a <see cref="CharTransformer"/> trunk whose final hidden state at the last token is mapped
/// by Linear(d_model, 1) to one reward per sequence; or, when built with <c>pooledFrom</c> P, the mean of that head over
/// positions P .. T-1 (the completion after a prompt of P tokens), which suits rewards that add up over the words of a
/// completion. The trunk is shared, not copied: start it from a trained LM.
/// </summary>
public sealed class RewardModel : nn.Module<Tensor, Tensor>
{
    private readonly CharTransformer trunk;
    private readonly Linear rewardHead;

    /// <summary>Puts a fresh reward head (N(0, 0.02) weights, zero bias; seed libtorch first) on <paramref name="trunk"/>.</summary>
    public RewardModel(CharTransformer trunk, int pooledFrom = 0) : base(nameof(RewardModel))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pooledFrom);
        this.trunk = trunk;
        PooledFrom = pooledFrom;
        rewardHead = nn.Linear(trunk.ModelDimension, 1);
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.normal_(rewardHead.weight!, 0, 0.02);
        nn.init.zeros_(rewardHead.bias!);
    }

    public CharTransformer Trunk => trunk;

    /// <summary>0: the reward is read at the last token; P > 0: it is the mean over positions P .. T-1.</summary>
    public int PooledFrom { get; }

    /// <summary>Rewards [B] of token sequences [B, T] that all end at position T-1.</summary>
    public override Tensor forward(Tensor tokens)
    {
        var hidden = trunk.HiddenStates(tokens);
        if (PooledFrom == 0) return rewardHead.forward(hidden[.., -1, ..]).squeeze(-1);
        if (PooledFrom >= tokens.shape[1])
            throw new ArgumentException($"sequences of {tokens.shape[1]} tokens have nothing after position {PooledFrom} to pool");
        return rewardHead.forward(hidden.narrow(1, PooledFrom, tokens.shape[1] - PooledFrom)).squeeze(-1).mean([1]);
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
