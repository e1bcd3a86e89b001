using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// A causal character-level transformer language model: token + learned position embeddings, N pre-LayerNorm blocks,
/// a final LayerNorm and a linear head to vocabulary logits. <c>forward</c> maps int64 tokens [B, T] to logits [B, T, V].
/// </summary>
public sealed class CharTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embedding tokenEmbedding;
    private readonly Embedding positionEmbedding;
    private readonly Dropout embeddingDropout;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm finalNorm;
    private readonly Linear head;

    /// <summary>
    /// The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs): embeddings, per block two
    /// LayerNorms, the four attention projections and the 4d MLP, then the final LayerNorm and the head.
    /// </summary>
    public static long ParameterCount(CharLmModelOptions options)
    {
        long d = options.ModelDimension, vocabulary = options.VocabularySize;
        long block = checked(2 * LayerSizes.LayerNorm(d) + 4 * LayerSizes.Linear(d, d) + LayerSizes.Linear(d, 4 * d) + LayerSizes.Linear(4 * d, d));
        return checked(LayerSizes.Embedding(vocabulary, d) + LayerSizes.Embedding(options.ContextLength, d)
            + options.Layers * block + LayerSizes.LayerNorm(d) + LayerSizes.Linear(d, vocabulary));
    }

    /// <summary>Builds the model with GPT-2 style initial weights drawn from libtorch's generator (seed it first).</summary>
    public CharTransformer(CharLmModelOptions options) : base(nameof(CharTransformer))
    {
        if (options.VocabularySize < 1)
            throw new ArgumentException("the model needs a vocabulary size; fill CharLmModelOptions.VocabularySize from the token stream");
        if (options.ModelDimension % options.Heads != 0)
            throw new ArgumentException($"modelDimension ({options.ModelDimension}) must be a multiple of heads ({options.Heads})");
        Options = options;
        tokenEmbedding = nn.Embedding(options.VocabularySize, options.ModelDimension);
        positionEmbedding = nn.Embedding(options.ContextLength, options.ModelDimension);
        embeddingDropout = nn.Dropout(options.Dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, options.Layers)
            .Select(_ => new TransformerBlock(options.ModelDimension, options.Heads, options.Dropout)).ToArray());
        finalNorm = nn.LayerNorm(options.ModelDimension);
        head = nn.Linear(options.ModelDimension, options.VocabularySize);
        RegisterComponents();
        InitialiseWeights();
    }

    public CharLmModelOptions Options { get; }

    public int ContextLength => Options.ContextLength;

    public int ModelDimension => Options.ModelDimension;

    /// <summary>The device the parameters live on.</summary>
    public Device Device => tokenEmbedding.weight!.device;

    /// <summary>The final (layer-normed) hidden states [B, T, d_model] of tokens [B, T]; the trunk a reward head sits on.</summary>
    public Tensor HiddenStates(Tensor tokens)
    {
        long time = tokens.shape[1];
        if (time > ContextLength)
            throw new ArgumentException($"a window of {time} tokens is longer than the context length {ContextLength}");
        using var end = Scalars.Owned(time);
        using var positions = arange(Scalars.Constant(0L), end, Scalars.One, ScalarType.Int64, tokens.device);
        var x = embeddingDropout.forward(tokenEmbedding.forward(tokens).add(positionEmbedding.forward(positions), Scalars.One));
        foreach (var block in blocks) x = block.forward(x);
        return finalNorm.forward(x);
    }

    public override Tensor forward(Tensor tokens) => head.forward(HiddenStates(tokens));

    /// <summary>Vocabulary logits [..., V] of hidden states [..., d_model] (the head <see cref="forward"/> applies).</summary>
    public Tensor Logits(Tensor hiddenStates) => head.forward(hiddenStates);

    /// <summary>
    /// The final hidden states [B, T_new, d_model] of new tokens [B, T_new] that follow the positions already in
    /// <paramref name="cache"/> (which this call extends): the same as <see cref="HiddenStates"/> over the whole sequence.
    /// </summary>
    public Tensor HiddenStatesCached(Tensor tokens, KeyValueCache cache)
    {
        long past = cache.Length, time = tokens.shape[1];
        if (past + time > ContextLength)
            throw new ArgumentException($"{past} cached and {time} new tokens are longer than the context length {ContextLength}");
        using var start = Scalars.Owned(past);
        using var end = Scalars.Owned(past + time);
        using var positions = arange(start, end, Scalars.One, ScalarType.Int64, tokens.device);
        var x = embeddingDropout.forward(tokenEmbedding.forward(tokens).add(positionEmbedding.forward(positions), Scalars.One));
        for (int layer = 0; layer < blocks.Count; layer++) x = blocks[layer].ForwardCached(x, cache, layer);
        return finalNorm.forward(x);
    }

    /// <summary>A cache for decoding <paramref name="batch"/> sequences of up to ContextLength tokens.</summary>
    public KeyValueCache NewCache(long batch) =>
        new(Options.Layers, batch, Options.Heads, Options.ModelDimension / Options.Heads, ContextLength, Device);

    /// <summary>
    /// Samples <paramref name="newTokens"/> tokens after each row of <paramref name="prompts"/> [B, P] (int64, all rows the same
    /// length), row b drawing from softmax(logits / temperature) with its own <paramref name="random"/>[b] (temperature 0 =
    /// greedy), so a row's completion does not depend on the other rows. Decodes with a key-value cache; prompt plus
    /// completion must fit the context length. Returns the new tokens [B, newTokens] (CPU, int64). Runs without gradients
    /// in evaluation mode and restores the previous mode.
    /// </summary>
    public long[][] GenerateBatch(Tensor prompts, int newTokens, double temperature, IReadOnlyList<SplitMix64> random)
    {
        long batch = prompts.shape[0], promptLength = prompts.shape[1];
        if (random.Count != batch) throw new ArgumentException($"{batch} prompts need {batch} random streams, got {random.Count}");
        if (promptLength < 1) throw new ArgumentException("generation needs a prompt of at least one token", nameof(prompts));
        if (promptLength + newTokens > ContextLength)
            throw new ArgumentException($"a prompt of {promptLength} tokens and {newTokens} new ones do not fit the context length {ContextLength}");
        var generated = Enumerable.Range(0, (int)batch).Select(_ => new long[newTokens]).ToArray();
        using var evaluation = EvaluationMode.Enter(this);
        using var noGrad = no_grad();
        using var cache = NewCache(batch);
        var input = prompts.to(Device).DetachFromDisposeScope();
        try
        {
            for (int i = 0; i < newTokens; i++)
            {
                using var scope = NewDisposeScope();
                var lastLogits = Logits(HiddenStatesCached(input, cache)[.., -1, ..]).to(ScalarType.Float64).cpu();
                var next = SampleRows(lastLogits, temperature, random);
                for (int b = 0; b < batch; b++) generated[b][i] = next[b];
                // The last token is not fed back: nothing follows it.
                if (i + 1 == newTokens) break;
                input.Dispose();
                input = tensor(next, [batch, 1], device: Device).DetachFromDisposeScope();
            }
        }
        finally
        {
            input.Dispose();
        }
        return generated;
    }

    // Row b: inverse-CDF draw from softmax(z_b / temperature) with random[b] (argmax at temperature 0).
    private static long[] SampleRows(Tensor logits, double temperature, IReadOnlyList<SplitMix64> random)
    {
        if (temperature <= 0) return logits.argmax(1).data<long>().ToArray();
        int rows = (int)logits.shape[0], vocabulary = (int)logits.shape[1];
        var next = new long[rows];
        using var divisor = Scalars.Owned(temperature);
        var probabilities = logits.div(divisor).softmax(1).data<double>().ToArray();
        for (int b = 0; b < rows; b++) next[b] = Draw(probabilities.AsSpan(b * vocabulary, vocabulary), random[b]);
        return next;
    }

    private static long Draw(ReadOnlySpan<double> probabilities, SplitMix64 rng)
    {
        double u = rng.NextDouble(), cumulative = 0;
        for (int token = 0; token < probabilities.Length; token++)
        {
            cumulative += probabilities[token];
            if (u < cumulative) return token;
        }
        return probabilities.Length - 1;
    }

    /// <summary>
    /// Samples <paramref name="maxNewTokens"/> tokens after <paramref name="prompt"/>, each from softmax(logits / temperature)
    /// using <paramref name="rng"/> (temperature 0 = greedy); the model sees at most the last ContextLength tokens.
    /// Returns the new tokens only. Runs without gradients in evaluation mode and restores the previous mode.
    /// </summary>
    public long[] Generate(IReadOnlyList<long> prompt, int maxNewTokens, double temperature, SplitMix64 rng)
    {
        if (prompt.Count == 0) throw new ArgumentException("generation needs a prompt of at least one token", nameof(prompt));
        var sequence = new List<long>(prompt);
        var generated = new long[maxNewTokens];
        using var evaluation = EvaluationMode.Enter(this);
        using var noGrad = no_grad();
        for (int i = 0; i < maxNewTokens; i++)
        {
            using var scope = NewDisposeScope();
            int start = Math.Max(0, sequence.Count - ContextLength);
            var window = tensor(sequence.GetRange(start, sequence.Count - start).ToArray(), [1, sequence.Count - start], device: Device);
            var lastLogits = forward(window)[0, -1].to(ScalarType.Float64).cpu();
            generated[i] = temperature <= 0 ? lastLogits.argmax().item<long>() : Sample(lastLogits, temperature, rng);
            sequence.Add(generated[i]);
        }
        return generated;
    }

    // Inverse-CDF draw from softmax(z / temperature) with our own RNG, so samples are reproducible and checkpointable.
    private static long Sample(Tensor logits, double temperature, SplitMix64 rng)
    {
        using var divisor = Scalars.Owned(temperature);
        return Draw(logits.div(divisor).softmax(0).data<double>().ToArray(), rng);
    }

    private void InitialiseWeights()
    {
        // GPT-2 initialisation: N(0, 0.02) for matrices and embeddings, zero biases, and residual projections scaled
        // by 1/sqrt(2 L) so the residual stream's variance does not grow with depth.
        double residualStd = 0.02 / Math.Sqrt(2.0 * Options.Layers);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("Norm.weight", StringComparison.Ordinal) || name.EndsWith("Norm.bias", StringComparison.Ordinal)) continue;
            if (name.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(parameter);
            else if (TransformerBlock.ResidualProjections.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal)))
                nn.init.normal_(parameter, 0, residualStd);
            else nn.init.normal_(parameter, 0, 0.02);
        }
    }
}
