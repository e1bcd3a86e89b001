using System.Text.Json.Nodes;
using DistGen.Training.Core;
using DistGen.Training.Specs;
using static TorchSharp.torch;

namespace DistGen.Bench;

/// <summary>
/// PPO on the cluster: sample efficiency and wall time of the reference trainer, sync and async runs (3 seeds of the
/// examples), and env steps/s with 1, 2 and 4 rollout actors on 1 and 2 in-process silos against the single-process loop.
/// </summary>
public static class PpoClusterBench
{
    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        set_num_threads(1);
        var lines = new List<string>();
        await using (var two = await InProcessCluster.StartAsync(2))
        {
            lines.AddRange(await SampleEfficiency(root, two));
            lines.Add("");
            var throughput = new Dictionary<(int Actors, int Silos, string Mode), double>();
            foreach (int actors in new[] { 1, 2, 4 })
                foreach (var mode in new[] { "sync", "async" })
                    throughput[(actors, 2, mode)] = (await two.RunAsync(Throughput(root, actors, mode).SourceJson)).Figures["env_steps_per_second"];
            await using var one = await InProcessCluster.StartAsync(1);
            foreach (int actors in new[] { 1, 2, 4 })
                foreach (var mode in new[] { "sync", "async" })
                    throughput[(actors, 1, mode)] = (await one.RunAsync(Throughput(root, actors, mode).SourceJson)).Figures["env_steps_per_second"];
            lines.Add($"Env steps/s ({ThroughputSteps:N0} env steps, 8 envs x 32 steps per update, 20 epochs; {Environment.ProcessorCount} cores, one libtorch thread):");
            lines.Add("");
            lines.Add("| rollout actors | single process (same actor split) | 1 silo, sync | 1 silo, async | 2 silos, sync | 2 silos, async |");
            lines.Add("| ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (int actors in new[] { 1, 2, 4 })
            {
                double reference = Reference(Throughput(root, actors, "sync")).Figures["env_steps_per_second"];
                lines.Add($"| {actors} | {reference:N0} | {throughput[(actors, 1, "sync")]:N0} | {throughput[(actors, 1, "async")]:N0} | " +
                          $"{throughput[(actors, 2, "sync")]:N0} | {throughput[(actors, 2, "async")]:N0} |");
            }
        }
        lines.Add("");
        lines.Add(Explanation);
        return lines;
    }

    private const int ThroughputSteps = 20_480;

    private const string Explanation =
        "A CartPole step costs microseconds; what bounds env steps/s is the learner's 20 epochs of minibatch updates per 256 " +
        "transitions, which run on the coordinator alone. Sync actors wait while the learner updates; async actors collect the " +
        "next batches meanwhile (lag 1), so async hides the collection time. On 2 cores more actors cannot add compute: the " +
        "figures show the cluster's overhead per round (grain calls, parameter pull, trajectory push) against the one-process loop.";

    private static async Task<List<string>> SampleEfficiency(string root, InProcessCluster cluster)
    {
        var lines = new List<string>
        {
            "Example specs, 100k env steps, 3 seeds; 'reference' is the single-process trainer (1 actor: ppo-cartpole.json; 2 actors: the sync example's split).",
            "",
            "| seed | run | env steps to mean return >= 475 | final mean return (last 100) | wall s |",
            "| ---: | --- | ---: | ---: | ---: |",
        };
        var reached = new Dictionary<string, List<double>>();
        for (int seed = 1; seed <= 3; seed++)
        {
            var runs = new List<(string Name, TrainingSummary Summary)>
            {
                ("reference, 1 actor", Reference(BenchSpec.FromExample(root, "ppo-cartpole.json", seed))),
                ("reference, 2 actors", Reference(BenchSpec.FromExample(root, "ppo-cartpole-sync.json", seed))),
                ("cluster sync, 2 actors / 2 silos", await cluster.RunAsync(BenchSpec.FromExample(root, "ppo-cartpole-sync.json", seed).SourceJson)),
                ("cluster async (lag <= 2), 2 actors / 2 silos", await cluster.RunAsync(BenchSpec.FromExample(root, "ppo-cartpole-async.json", seed).SourceJson)),
            };
            foreach (var (name, summary) in runs)
            {
                bool hit = summary.Figures.TryGetValue("env_steps_to_target_return", out var steps);
                if (hit) (reached.TryGetValue(name, out var list) ? list : reached[name] = []).Add(steps);
                Console.Error.WriteLine($"  seed {seed} {name}: {(hit ? steps.ToString("F0") : "not reached")} in {summary.WallSeconds:F1} s");
                lines.Add($"| {seed} | {name} | {(hit ? steps.ToString("N0") : "not reached")} | {summary.Figures["mean_return_last_100"]:F1} | {summary.WallSeconds:F1} |");
            }
        }
        lines.Add("");
        lines.AddRange(reached.Select(r => $"- {r.Key}: {r.Value.Count} of 3 seeds reached 475, mean {r.Value.Average():N0} env steps"));
        return lines;
    }

    private static LoadedJob Throughput(string root, int actors, string mode) =>
        BenchSpec.FromExample(root, $"ppo-cartpole-{mode}.json", 1, ("training", "totalEnvSteps", (JsonNode)ThroughputSteps), ("cluster", "workers", (JsonNode)actors));

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
