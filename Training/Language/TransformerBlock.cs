using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// One pre-LayerNorm transformer block: x + Attention(LN(x)), then x + MLP(LN(x)) with a GELU MLP of width 4 d_model.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm attentionNorm;
    private readonly CausalSelfAttention attention;
    private readonly LayerNorm mlpNorm;
    private readonly Linear expand;
    private readonly GELU activation;
    private readonly Linear contract;
    private readonly Dropout mlpDropout;

    public TransformerBlock(int modelDimension, int heads, double dropout = 0.0) : base(nameof(TransformerBlock))
    {
        attentionNorm = nn.LayerNorm(modelDimension);
        attention = new CausalSelfAttention(modelDimension, heads, dropout);
        mlpNorm = nn.LayerNorm(modelDimension);
        expand = nn.Linear(modelDimension, 4 * modelDimension);
        activation = nn.GELU();
        contract = nn.Linear(4 * modelDimension, modelDimension);
        mlpDropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Parameter-name suffixes of the layers that write into the residual stream (initialised smaller).</summary>
    public static readonly string[] ResidualProjections = ["output.weight", "contract.weight"];

    public override Tensor forward(Tensor x)
    {
        x = x.add(attention.forward(attentionNorm.forward(x)), Scalars.One);
        var mlp = contract.forward(activation.forward(expand.forward(mlpNorm.forward(x))));
        return x.add(mlpDropout.forward(mlp), Scalars.One);
    }

    /// <summary>The block over new positions that follow the cache's earlier ones (see <see cref="CausalSelfAttention.ForwardCached"/>).</summary>
    public Tensor ForwardCached(Tensor x, KeyValueCache cache, int layer)
    {
        x = x.add(attention.ForwardCached(attentionNorm.forward(x), cache, layer), Scalars.One);
        var mlp = contract.forward(activation.forward(expand.forward(mlpNorm.forward(x))));
        return x.add(mlpDropout.forward(mlp), Scalars.One);
    }
}
