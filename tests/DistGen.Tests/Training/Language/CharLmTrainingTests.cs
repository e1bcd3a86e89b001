using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Language;
using Xunit.Abstractions;
using TorchSharp;

namespace DistGen.Tests.Training.Language;

public sealed class CharLmTrainingTests(ITestOutputHelper log)
{
    private const string Pangram = "the quick brown fox jumps over the lazy dog\n";

    private static readonly CharLmModelOptions TinyModel = new() { ContextLength = 32, ModelDimension = 64, Heads = 4, Layers = 2 };

    private static float[] ParametersAfterTenSteps(long seed)
    {
        var stream = new CorpusTokenStream(string.Concat(Enumerable.Repeat(Pangram, 50)));
        Seeding.Seed(seed);
        using var model = new CharTransformer(TinyModel with { VocabularySize = stream.VocabularySize });
        using var optimizer = AdamWUpdate.Create(model, 3e-3, 0.9, 0.99, 0.1);
        var rng = new SplitMix64(Seeding.Derive(seed, "batches"));
        for (int step = 0; step < 10; step++)
        {
            using var scope = torch.NewDisposeScope();
            var (inputs, targets) = stream.SampleWindows(validation: false, batch: 8, context: 32, rng);
            LanguageModelStep.ComputeGradients(model, inputs, targets);
            AdamWUpdate.Apply(model, optimizer, 3e-3, maxGradNorm: 1.0);
        }
        return ParameterVector.Flatten(model.parameters());
    }

    [Fact]
    public void Same_seed_gives_identical_parameters_after_ten_training_steps()
    {
        var first = ParametersAfterTenSteps(seed: 5);
        var second = ParametersAfterTenSteps(seed: 5);
        var otherSeed = ParametersAfterTenSteps(seed: 6);

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void Reference_trainer_learns_repetitive_text_far_below_the_uniform_loss()
    {
        var stream = new CorpusTokenStream(string.Concat(Enumerable.Repeat(Pangram, 200)));
        var output = Directory.CreateTempSubdirectory("distgen-charlm-").FullName;
        var training = new CharLmTrainingOptions
        {
            Steps = 300, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 20, EvalInterval = 100, EvalBatches = 4,
            SamplePrompt = "the ", SampleLength = 60, SampleCount = 2, SampleTemperature = 0.5,
        };

        var summary = new DataParallelReferenceTrainer(new CharLmWorkload(TinyModel, training, stream, workers: 1, seed: 1)).Run(RunContext.OnCpu(output, seed: 1));

        double uniform = Math.Log(stream.VocabularySize); // ln 28 ≈ 3.33 nats
        log.WriteLine($"smoke val_loss {summary.Figures["val_loss"]:F4}, train_loss {summary.Figures["train_loss"]:F4}");
        Assert.True(summary.Figures["val_loss"] < 0.15, $"val_loss {summary.Figures["val_loss"]:F4} (uniform {uniform:F2})");
        Assert.Equal(summary.Figures["val_loss"] / Math.Log(2), summary.Figures["val_bits_per_char"], 12);
        foreach (var file in new[] { "metrics.csv", "loss.png", "samples.txt", "checkpoint.bin", "summary.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");
        var rows = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.Equal("step,train_loss,val_loss,lr,tokens_per_s", rows[0]);
        Assert.Equal(4, rows.Length); // header + steps 100, 200, 300
        Assert.Contains("the quick brown fox", File.ReadAllText(Path.Combine(output, "samples.txt")));
        using var restored = new CharTransformer(TinyModel.WithVocabularyOf(stream));
        using var optimizer = AdamWUpdate.Create(restored, training.LearningRate, training.Beta1, training.Beta2, training.WeightDecay);
        var counters = Checkpoint.Load(Path.Combine(output, "checkpoint.bin"),
            new Dictionary<string, torch.nn.Module> { ["model"] = restored },
            new Dictionary<string, AdamOptimizer> { ["optimizer"] = optimizer });
        Assert.Equal(300UL, counters["step"]);
        Assert.True(LanguageModelStep.EstimateLoss(restored, stream, validation: true, 4, 16, seed: 3) < 0.15, "restored model lost its training");
        Directory.Delete(output, recursive: true);
    }

    [Fact]
    public void Generation_runs_without_dropout_repeats_for_a_seed_and_greedy_ignores_the_seed()
    {
        Seeding.Seed(2);
        using var model = new CharTransformer(TinyModel with { VocabularySize = 12, ContextLength = 8, Dropout = 0.5 });
        long[] prompt = [1, 2, 3];

        var first = model.Generate(prompt, 20, temperature: 1.0, new SplitMix64(9));
        var second = model.Generate(prompt, 20, temperature: 1.0, new SplitMix64(9));
        var greedyA = model.Generate(prompt, 20, temperature: 0, new SplitMix64(1));
        var greedyB = model.Generate(prompt, 20, temperature: 0, new SplitMix64(2));

        Assert.Equal(first, second);
        Assert.Equal(greedyA, greedyB);
        Assert.All(first, token => Assert.InRange(token, 0, 11));
        Assert.True(model.training, "generation must restore training mode");
        using var window = torch.tensor(prompt, [1, 3]);
        Assert.NotEqual(model.forward(window).data<float>().ToArray(), model.forward(window).data<float>().ToArray()); // dropout is live in training
    }
}
