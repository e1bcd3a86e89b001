using System.Diagnostics;
using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// Single-process reference trainer of the character-level transformer LM: AdamW with warm-up and cosine decay,
/// gradient clipping, a seeded validation estimate every EvalInterval steps, samples, a checkpoint and summary.json.
/// </summary>
public sealed class CharLmReferenceTrainer(CharLmModelOptions model, CharLmTrainingOptions training, ITokenStream tokens) : IReferenceTrainer
{
    public const string Workload = "char-lm";

    public TrainingSummary Run(RunContext context)
    {
        var wallClock = Stopwatch.StartNew();
        Directory.CreateDirectory(context.OutputDirectory);

        // The vocabulary comes from the data; a prompt the corpus cannot encode fails now, not after training.
        var modelOptions = model.WithVocabularyOf(tokens);
        var prompt = EncodePrompt(training.SamplePrompt, tokens);

        // Weights come from libtorch's generator; batches and samples from named, checkpointable streams of the seed.
        using var lm = Seeding.Build(context.Seed, () => new CharTransformer(modelOptions));
        lm.to(context.Device);
        long parameterCount = ParameterVector.Count(lm.parameters());
        using var optimizer = AdamWUpdate.Create(lm, training.LearningRate, training.Beta1, training.Beta2, training.WeightDecay);
        var schedule = WarmupCosineSchedule.From(training);
        var batchRng = new SplitMix64(Seeding.Derive(context.Seed, "batches"));
        long validationSeed = Seeding.Derive(context.Seed, "validation");
        long sampleSeed = Seeding.Derive(context.Seed, "samples");
        long finalSampleSeed = Seeding.Derive(context.Seed, "final-samples");

        using var metrics = new MetricsLog(context.PathOf("metrics.csv"));
        using var samples = new StreamWriter(context.PathOf("samples.txt"));
        long tokensPerStep = (long)training.BatchSize * modelOptions.ContextLength;
        int reportEvery = Math.Max(1, training.Steps / 100);
        var stepClock = new Stopwatch();
        double intervalLoss = 0, intervalSeconds = 0, totalStepSeconds = 0, lastTrainLoss = double.NaN, lastValLoss = double.NaN;
        int intervalSteps = 0;

        for (int step = 0; step < training.Steps; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();

            // One step = gradients of a random minibatch of windows, then the AdamW update at the scheduled rate.
            stepClock.Restart();
            double lr = schedule.At(step);
            var (inputs, targets) = tokens.SampleWindows(validation: false, training.BatchSize, modelOptions.ContextLength, batchRng);
            double loss = LanguageModelStep.ComputeGradients(lm, inputs, targets);
            AdamWUpdate.Apply(lm, optimizer, lr, training.MaxGradNorm);
            stepClock.Stop();
            intervalLoss += loss;
            intervalSteps++;
            intervalSeconds += stepClock.Elapsed.TotalSeconds;

            int done = step + 1;
            if (done % training.EvalInterval == 0 || done == training.Steps)
            {
                lastTrainLoss = intervalLoss / intervalSteps;
                lastValLoss = LanguageModelStep.EstimateLoss(lm, tokens, validation: true, training.EvalBatches, training.BatchSize, validationSeed);
                metrics.Log(done, new Dictionary<string, double>
                {
                    ["train_loss"] = lastTrainLoss,
                    ["val_loss"] = lastValLoss,
                    ["lr"] = lr,
                    ["tokens_per_s"] = intervalSteps * tokensPerStep / intervalSeconds,
                });
                // The same sample stream at every evaluation, so the samples show what the model learned in between.
                WriteSample(samples, $"step {done}, val_loss {lastValLoss:F4}", lm, prompt, new SplitMix64(sampleSeed));
                totalStepSeconds += intervalSeconds;
                (intervalLoss, intervalSteps, intervalSeconds) = (0, 0, 0);
            }
            if (done % reportEvery == 0 || done == training.Steps)
            {
                var current = new Dictionary<string, double> { ["train_loss"] = loss, ["lr"] = lr };
                if (!double.IsNaN(lastValLoss)) current["val_loss"] = lastValLoss;
                context.Progress?.Report(new TrainingProgress(done, training.Steps, current));
            }
        }

        var finalRng = new SplitMix64(finalSampleSeed);
        for (int i = 0; i < training.SampleCount; i++) WriteSample(samples, $"final sample {i + 1}", lm, prompt, finalRng);
        LossPlot.Save(context.PathOf("loss.png"), $"char-level transformer LM ({parameterCount:N0} parameters)", metrics, "train_loss", "val_loss");
        Checkpoint.Save(context.PathOf("checkpoint.bin"),
            new Dictionary<string, nn.Module> { ["model"] = lm },
            new Dictionary<string, TorchSharp.Modules.OptimizerHelper> { ["optimizer"] = optimizer },
            new Dictionary<string, ulong> { ["step"] = (ulong)training.Steps, ["batch_rng"] = batchRng.State });

        var summary = new TrainingSummary
        {
            Workload = Workload,
            Steps = training.Steps,
            WallSeconds = wallClock.Elapsed.TotalSeconds,
            Figures = new Dictionary<string, double>
            {
                ["val_loss"] = lastValLoss,
                ["train_loss"] = lastTrainLoss,
                ["val_bits_per_char"] = lastValLoss / Math.Log(2),
                ["tokens_per_s"] = training.Steps * tokensPerStep / totalStepSeconds,
                ["parameters"] = parameterCount,
            },
        };
        summary.Write(context.PathOf("summary.json"));
        return summary;
    }

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

    private void WriteSample(StreamWriter writer, string title, CharTransformer lm, long[] prompt, SplitMix64 rng)
    {
        var generated = lm.Generate(prompt, training.SampleLength, training.SampleTemperature, rng);
        writer.WriteLine($"--- {title} ---");
        writer.WriteLine(tokens.Decode(prompt) + tokens.Decode(generated));
        writer.WriteLine();
        writer.Flush();
    }
}
