using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The character-level transformer LM as a data-parallel workload: each shard draws windows from its region of the
/// training text, AdamW with warm-up, cosine decay and clipping, validation loss in nats per character.
/// Single process: <c>new DataParallelReferenceTrainer(new CharLmWorkload(...))</c>.
/// </summary>
public sealed class CharLmWorkload : IDataParallelWorkload
{
    public const string Workload = "char-lm";

    private readonly CharLmModelOptions _model;
    private readonly CharLmTrainingOptions _training;
    private readonly ITokenStream _tokens;
    private readonly long _seed;

    public CharLmWorkload(CharLmModelOptions model, CharLmTrainingOptions training, ITokenStream tokens, int workers, long seed, int checkpointEvery = 0)
    {
        CheckpointEvery = checkpointEvery;
        // The vocabulary comes from the data; a prompt the corpus cannot encode fails now, not after training.
        _model = model.WithVocabularyOf(tokens);
        _training = training;
        _tokens = tokens;
        _seed = seed;
        Workers = workers;
        Prompt = EncodePrompt(training.SamplePrompt, tokens);
    }

    public string Name => Workload;
    public int Workers { get; }
    public int RowsPerWorker => _training.BatchSize / Workers;
    public int Rounds => _training.Steps;
    public int CheckpointEvery { get; }
    public long[] Prompt { get; }

    public nn.Module CreateReplica() => Seeding.Build(_seed, () => new CharTransformer(_model));

    public IShardOrder CreateShardOrder(int shard) =>
        new WindowShardOrder(_tokens.TrainTokenCount, _model.ContextLength, shard, Workers, RowsPerWorker, _seed);

    public IReadOnlyDictionary<string, double> ComputeGradients(nn.Module replica, long round, int rowOffset, int[] rows)
    {
        var lm = (CharTransformer)replica;
        using var scope = NewDisposeScope();
        var (inputs, targets) = _tokens.Windows(validation: false, rows, _model.ContextLength);
        return new Dictionary<string, double> { ["train_loss"] = LanguageModelStep.ComputeGradients(lm, inputs, targets) };
    }

    public IDataParallelLearner CreateLearner(nn.Module model, RunContext context) =>
        new CharLmLearner((CharTransformer)model, _training, _tokens, Prompt, context);

    private static long[] EncodePrompt(string prompt, ITokenStream tokens)
    {
        if (prompt.Length == 0) throw new ArgumentException("training.samplePrompt is empty; give at least one character of the corpus");
        try
        {
            return tokens.Encode(prompt);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"training.samplePrompt \"{prompt}\" cannot be encoded: {e.Message}", e);
        }
    }
}
