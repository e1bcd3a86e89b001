using System.Diagnostics;
using System.Text.Json.Nodes;
using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Bench;

/// <summary>Steps/s and samples/s of each reference trainer on a short budget of its example spec.</summary>
public static class ReferenceThroughput
{
    private sealed record Case(string Name, string Example, string StepsField, int Steps, int SamplesPerStep, params (string, string, JsonNode)[] Extra);

    private static readonly Case[] Cases =
    [
        new("GAN ring8 (MLP 64x3, batch 128, R1 0.1)", "gan-ring.json", "steps", 500, 128, ("training", "evalEvery", 500)),
        new("GAN Fashion-MNIST (DCGAN-style, batch 64)", "gan-fashion-mnist.json", "steps", 100, 64, ("training", "evalEvery", 100)),
        new("VAE Fashion-MNIST (784-400-20, batch 128)", "vae-fashion-mnist.json", "steps", 500, 128, ("training", "evalEvery", 500), ("training", "testLimit", 1000)),
        new("char-LM KJV (4 layers, d 128, batch 32 x 64)", "char-lm-kjv.json", "steps", 100, 32 * 64, ("training", "evalInterval", 100), ("training", "evalBatches", 2)),
        new("PPO CartPole (8 envs x 32 steps, 20 epochs)", "ppo-cartpole.json", "totalEnvSteps", 20_480, 1),
    ];

    public static IEnumerable<string> Run(string root)
    {
        yield return "| reference trainer | threads | steps | wall s | steps/s | samples/s |";
        yield return "| --- | ---: | ---: | ---: | ---: | ---: |";
        foreach (var c in Cases)
        {
            var overrides = c.Extra.Append(("training", c.StepsField, (JsonNode)c.Steps)).ToArray();
            var job = BenchSpec.FromExample(root, c.Example, seed: 1, overrides);
            set_num_threads(job.Threads);
            var folder = Directory.CreateTempSubdirectory("distgen-bench-").FullName;
            var clock = Stopwatch.StartNew();
            var summary = job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(folder, 1));
            double seconds = clock.Elapsed.TotalSeconds;
            Directory.Delete(folder, recursive: true);
            // PPO counts env steps as its steps; its "samples" are env transitions.
            double steps = c.StepsField == "totalEnvSteps" ? summary.Figures["env_steps"] : c.Steps;
            Console.Error.WriteLine($"  {c.Name}: {seconds:F1} s");
            yield return $"| {c.Name} | {job.Threads} | {steps:F0} | {seconds:F1} | {steps / seconds:F1} | {steps * c.SamplesPerStep / seconds:F0} |";
        }
    }
}
