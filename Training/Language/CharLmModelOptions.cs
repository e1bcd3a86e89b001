using System.ComponentModel.DataAnnotations;

namespace DistGen.Training.Language;

/// <summary>Shape of the character-level transformer language model (the "model" section of a char-LM job spec).</summary>
public sealed record CharLmModelOptions : IValidatableObject
{
    /// <summary>Number of distinct tokens; 0 means "take it from the data" (the trainer fills it in).</summary>
    [Range(0, 1 << 20)]
    public int VocabularySize { get; init; }

    /// <summary>Longest token window the model sees (learned positions exist for 0..ContextLength-1).</summary>
    [Range(2, 4096)]
    public int ContextLength { get; init; } = 64;

    /// <summary>Width d_model of the residual stream and the embeddings.</summary>
    [Range(8, 8192)]
    public int ModelDimension { get; init; } = 128;

    /// <summary>Attention heads per block; must divide ModelDimension (d_k = ModelDimension / Heads).</summary>
    [Range(1, 256)]
    public int Heads { get; init; } = 4;

    /// <summary>Number of transformer blocks.</summary>
    [Range(1, 128)]
    public int Layers { get; init; } = 4;

    /// <summary>Dropout probability on embeddings and residual branches; 0 keeps training deterministic.</summary>
    [Range(0.0, 0.9)]
    public double Dropout { get; init; }

    /// <summary>These options with the vocabulary size of <paramref name="tokens"/>; throws when a configured size disagrees.</summary>
    public CharLmModelOptions WithVocabularyOf(ITokenStream tokens)
    {
        if (VocabularySize == 0) return this with { VocabularySize = tokens.VocabularySize };
        if (VocabularySize != tokens.VocabularySize)
            throw new ArgumentException($"model.vocabularySize is {VocabularySize} but the corpus has {tokens.VocabularySize} tokens; set it to 0 to take it from the data");
        return this;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Heads > 0 && ModelDimension % Heads != 0)
            yield return new ValidationResult(
                $"modelDimension ({ModelDimension}) must be a multiple of heads ({Heads}); e.g. use modelDimension {ModelDimension / Heads * Heads + Heads} or heads 1",
                [nameof(ModelDimension), nameof(Heads)]);
    }
}
