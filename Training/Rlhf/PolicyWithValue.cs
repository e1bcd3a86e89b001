using DistGen.Training.Language;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The RLHF policy: a <see cref="CharTransformer"/> language model with a value head, Linear(d_model, 1), on the same
/// trunk (as TRL's value-head models), so PPO's critic reads the policy's own hidden states. The head starts at zero.
/// </summary>
public sealed class PolicyWithValue : nn.Module
{
    private readonly CharTransformer lm;
    private readonly Linear valueHead;

    public PolicyWithValue(CharTransformer lm) : base(nameof(PolicyWithValue))
    {
        this.lm = lm;
        valueHead = nn.Linear(lm.ModelDimension, 1);
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.zeros_(valueHead.weight!);
        nn.init.zeros_(valueHead.bias!);
    }

    public CharTransformer Lm => lm;

    /// <summary>Next-token logits [B, T, V] and values [B, T] of tokens [B, T]: V at t is the value of the prefix ending at t.</summary>
    public (Tensor Logits, Tensor Values) Forward(Tensor tokens)
    {
        var hidden = lm.HiddenStates(tokens);
        return (lm.Logits(hidden), valueHead.forward(hidden).squeeze(-1));
    }
}
