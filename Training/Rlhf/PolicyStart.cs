using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Language;
using DistGen.Training.Specs;
using TorchSharp;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Where an RLHF policy starts: the char-LM of a finished run (its checkpoint.bin, or the run folder holding it, whose
/// spec.json then gives the model's shape), or one pretrained here first on the KJV training text.
/// </summary>
public static class PolicyStart
{
    /// <summary>The sub-folder of the run folder where a pretraining stage writes its char-LM run.</summary>
    public const string PretrainFolder = "pretrain";

    /// <summary>
    /// The starting language model, on the run's device. A pretraining stage continues from the checkpoint a run before
    /// it left in the same folder (a coordinator that took the job over): after the last step it only loads the result;
    /// with <paramref name="checkpointEvery"/> > 0 it also continues a stage cut short, from its last checkpoint. Either
    /// way the result is the same as an uninterrupted pretraining's.
    /// </summary>
    public static CharTransformer Load(CharLmModelOptions model, RlhfTrainingOptions training, ITokenStream tokens, RunContext ctx, int workers, int checkpointEvery = 0)
    {
        if (training.From.Length > 0) return FromCheckpoint(training.From, model, tokens, ctx);
        var pretrain = ctx with { OutputDirectory = ctx.PathOf(PretrainFolder) };
        Directory.CreateDirectory(pretrain.OutputDirectory);
        new DataParallelReferenceTrainer(new CharLmWorkload(model, training.Pretrain, tokens, workers, ctx.Seed, checkpointEvery), resume: true).Run(pretrain);
        return FromCheckpoint(pretrain.OutputDirectory, model, tokens, ctx);
    }

    /// <summary>
    /// The starting model's shape: the spec.json beside <see cref="RlhfTrainingOptions.From"/>'s checkpoint, when there is one,
    /// else <paramref name="model"/>. Throws when <c>from</c> names no checkpoint.
    /// </summary>
    public static CharLmModelOptions ShapeOf(CharLmModelOptions model, RlhfTrainingOptions training)
    {
        if (training.From.Length == 0) return model;
        var (folder, _) = Locate(training.From);
        return ModelOf(Path.Combine(folder, "spec.json")) ?? model;
    }

    private static (string Folder, string File) Locate(string from)
    {
        var folder = Directory.Exists(from) ? from : Path.GetDirectoryName(Path.GetFullPath(from))!;
        var file = Directory.Exists(from) ? Path.Combine(from, Checkpoint.FileName) : from;
        if (!File.Exists(file))
            throw new ArgumentException($"training.from: {file} does not exist; give a char-lm run folder or its checkpoint.bin");
        return (folder, file);
    }

    /// <summary>The char-LM of <paramref name="from"/>: a checkpoint file, or a run folder holding checkpoint.bin.</summary>
    public static CharTransformer FromCheckpoint(string from, CharLmModelOptions model, ITokenStream tokens, RunContext ctx)
    {
        var (folder, file) = Locate(from);
        var shape = ModelOf(Path.Combine(folder, "spec.json")) ?? model;
        var lm = Seeding.Build(ctx.Seed, () => new CharTransformer(shape.WithVocabularyOf(tokens)));
        try
        {
            Checkpoint.LoadModules(file, new Dictionary<string, TorchSharp.torch.nn.Module> { ["model"] = lm });
        }
        catch (Exception e) when (e is not CheckpointCorruptException)
        {
            lm.Dispose();
            throw new ArgumentException($"training.from: {file} is not a char-lm checkpoint of the model {Describe(shape)} ({e.Message})", e);
        }
        lm.to(ctx.Device);
        return lm;
    }

    // A char-lm run folder says its model's shape in its spec.json.
    private static CharLmModelOptions? ModelOf(string specPath)
    {
        if (!File.Exists(specPath)) return null;
        var job = SpecLoader.LoadFile(specPath);
        return job.Model as CharLmModelOptions
            ?? throw new ArgumentException($"training.from: {specPath} is a {job.Workload.Name} run, not a char-lm one");
    }

    private static string Describe(CharLmModelOptions m) =>
        $"(contextLength {m.ContextLength}, modelDimension {m.ModelDimension}, heads {m.Heads}, layers {m.Layers})";
}
