using System.Diagnostics;
using System.Text.Json.Nodes;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Specs;
using static TorchSharp.torch;

namespace DistGen.Bench;

/// <summary>
/// RLHF on the cluster: generation throughput of the text rollout actors (comparison sampling and PPO rollouts, tokens/s)
/// and the wall time of each stage, for 1 and 2 actors on 1 and 2 in-process silos against the single-process
/// reference trainer with the same actor split. The example's model (d 128, 4 layers, context 64), started from a char-LM
/// pretrained briefly here: throughput does not depend on how well it writes.
/// </summary>
public static class RlhfBench
{
    private const int ComparisonPrompts = 256, RewardSteps = 10, PpoUpdates = 10;

    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        set_num_threads(1);
        var start = Pretrain(root);
        var rows = new List<(int Actors, string Run, TrainingSummary Summary)>();
        foreach (int actors in new[] { 1, 2 })
            rows.Add((actors, "reference (one process, same split)", Reference(Spec(root, start, actors))));
        await using (var one = await InProcessCluster.StartAsync(1))
            foreach (int actors in new[] { 1, 2 })
                rows.Add((actors, "cluster, 1 silo", await one.RunAsync(Spec(root, start, actors).SourceJson)));
        await using (var two = await InProcessCluster.StartAsync(2))
            foreach (int actors in new[] { 1, 2 })
                rows.Add((actors, "cluster, 2 silos (loopback gRPC)", await two.RunAsync(Spec(root, start, actors).SourceJson)));

        int completionLength = (int)JsonNode.Parse(File.ReadAllText(Path.Combine(root, "examples", "rlhf-kjv.json")))!["training"]!["prompts"]!["completionLength"]!;
        double comparisonTokens = ComparisonPrompts * 4.0 * completionLength;
        var lines = new List<string>
        {
            $"examples/rlhf-kjv.json's model and stages, shortened: {ComparisonPrompts} prompts x 4 comparison completions of {completionLength} characters, " +
            $"{RewardSteps} reward-model steps of 64 pairs, {PpoUpdates} PPO updates of 64 completions; {Environment.ProcessorCount} cores, one libtorch thread " +
            "(the silos share this process's). Tokens/s: completion characters per second of the stage's wall time (PPO rollouts include scoring by the " +
            "policy, the reference and the reward model, and on the cluster the grain calls and the data plane).",
            "",
            "| actors | run | comparison sampling tokens/s | PPO rollout tokens/s | reward-model s/step | PPO update s/update | evaluation s | wall s |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        };
        foreach (var (actors, run, summary) in rows)
        {
            var f = summary.Figures;
            lines.Add($"| {actors} | {run} | {comparisonTokens / f["seconds_sampling"]:N0} | {f["generated_tokens_per_s"]:N0} | " +
                      $"{f["seconds_reward_model"] / RewardSteps:F3} | {f["seconds_ppo_update"] / PpoUpdates:F3} | {f["seconds_evaluation"]:F1} | {summary.WallSeconds:F1} |");
        }
        lines.Add("");
        lines.Add("libtorch runs one thread per operation here, but two actors are two grain calls computing at once on .NET pool threads, " +
                  "each on a core of its own; the reference trainer runs its actor slices one after the other. So on 2 cores two actors " +
                  "sample faster than one, on 1 silo and across 2 (whose tensors cross loopback gRPC); the PPO update runs on the coordinator alone.");
        return lines;
    }

    private static LoadedJob Spec(string root, string start, int actors)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "examples", "rlhf-kjv.json")))!.AsObject();
        var training = node["training"]!.AsObject();
        training["iterations"] = 1;
        training["from"] = start;
        training["comparisons"]!["prompts"] = ComparisonPrompts;
        training["rewardModel"]!["steps"] = RewardSteps;
        training["ppo"]!["updates"] = PpoUpdates;
        node["cluster"]!["workers"] = actors;
        node["cluster"]!["threads"] = 1;
        return SpecLoader.Parse(node.ToJsonString());
    }

    // A char-LM of the example's shape, 50 steps: a start whose speed is the trained one's.
    private static string Pretrain(string root)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "examples", "rlhf-kjv.json")))!.AsObject();
        var spec = new JsonObject
        {
            ["apiVersion"] = "distgen/v1", ["name"] = "rlhf-bench-start", ["workload"] = "char-lm", ["seed"] = 1,
            ["data"] = new JsonObject { ["name"] = "kjv" },
            ["model"] = node["model"]!.DeepClone(),
            ["training"] = new JsonObject { ["steps"] = 50, ["batchSize"] = 32, ["evalInterval"] = 50, ["evalBatches"] = 2, ["sampleCount"] = 0 },
        };
        var job = SpecLoader.Parse(spec.ToJsonString());
        var folder = Directory.CreateTempSubdirectory("distgen-bench-rlhf-start-").FullName;
        File.WriteAllText(Path.Combine(folder, "spec.json"), spec.ToJsonString());
        var clock = Stopwatch.StartNew();
        job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(folder, 1));
        Console.Error.WriteLine($"  pretrained the start in {clock.Elapsed.TotalSeconds:F0} s");
        return folder;
    }

    private static TrainingSummary Reference(LoadedJob job)
    {
        var folder = Directory.CreateTempSubdirectory("distgen-bench-").FullName;
        try
        {
            return job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(folder, job.Spec.Seed));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
