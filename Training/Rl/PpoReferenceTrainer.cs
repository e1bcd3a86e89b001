using System.Diagnostics;
using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>
/// Single-process PPO on CartPole-v1, the reference the distributed rollout actors and learner must reproduce:
/// collect T steps from N environments, compute GAE, run K epochs of clipped-surrogate minibatch updates, repeat.
/// Writes metrics.csv, loss.png (mean return), losses.png, checkpoint.bin and summary.json.
/// </summary>
public sealed class PpoReferenceTrainer(PpoModelOptions model, PpoTrainingOptions training) : IReferenceTrainer
{
    public const string Workload = "ppo-cartpole";
    private const int ReturnWindow = 100;

    public TrainingSummary Run(RunContext ctx)
    {
        training.Validate();
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(ctx.OutputDirectory);

        // Seed libtorch before building the network so one seed gives identical weights in any process.
        var policy = Seeding.Build(ctx.Seed, () => new ActorCritic(VectorCartPole.ObservationSize, VectorCartPole.ActionCount, model.HiddenSize, model.HiddenLayers));
        policy.to(ctx.Device);
        var learner = new PpoLearner(policy, training, ctx.Seed);
        var collector = new RolloutCollector(new VectorCartPole(training.Envs, ctx.Seed), ctx.Seed);

        var recentReturns = new Queue<double>();
        long envSteps = 0, episodes = 0;
        long? envStepsToTarget = null;
        int updates = training.Updates;
        int reportEvery = Math.Max(1, updates / 100);
        using var metrics = new MetricsLog(ctx.PathOf("metrics.csv"));
        for (int update = 1; update <= updates && !ctx.Cancellation.IsCancellationRequested; update++)
        {
            // Linear decay as in CleanRL: the first update runs at full rate, the last at 1/updates of it.
            double progressRemaining = 1.0 - (update - 1.0) / updates;
            var rollout = collector.Collect(policy, training.RolloutSteps);
            rollout.PolicyVersion = learner.Version;
            envSteps += rollout.Count;
            foreach (var episode in rollout.FinishedEpisodes)
            {
                episodes++;
                recentReturns.Enqueue(episode.Return);
                if (recentReturns.Count > ReturnWindow) recentReturns.Dequeue();
            }
            double meanReturn = recentReturns.Count == 0 ? 0 : recentReturns.Average();
            if (envStepsToTarget is null && recentReturns.Count == ReturnWindow && meanReturn >= training.TargetReturn) envStepsToTarget = envSteps;

            var result = learner.Update(rollout, progressRemaining);

            var row = new Dictionary<string, double>
            {
                ["env_steps"] = envSteps,
                ["mean_return_last_100"] = meanReturn,
                ["episodes"] = episodes,
                ["approx_kl"] = result.ApproxKl,
                ["clip_fraction"] = result.ClipFraction,
                ["entropy"] = result.Entropy,
                ["value_loss"] = result.ValueLoss,
                ["explained_variance"] = result.ExplainedVariance,
                ["policy_loss"] = result.PolicyLoss,
                ["learning_rate"] = result.LearningRate,
            };
            metrics.Log(update, row);
            if (update % reportEvery == 0 || update == updates) ctx.Progress?.Report(new TrainingProgress(update, updates, row));
        }

        var envStepSeries = metrics.Series("env_steps");
        LossPlot.Save(ctx.PathOf("loss.png"), "PPO on CartPole-v1: mean return of the last 100 episodes vs env steps", envStepSeries,
            [("mean_return_last_100", metrics.Series("mean_return_last_100"))], yLabel: "return");
        LossPlot.Save(ctx.PathOf("losses.png"), "PPO on CartPole-v1: losses per update vs env steps", envStepSeries,
            new[] { "policy_loss", "value_loss", "entropy", "approx_kl" }.Select(c => (c, metrics.Series(c))));

        var counters = new Dictionary<string, ulong>
        {
            ["update"] = (ulong)learner.Version,
            ["env_steps"] = (ulong)envSteps,
            ["episodes"] = (ulong)episodes,
            ["rng.actions"] = collector.ActionRandom.State,
            ["rng.minibatches"] = learner.MinibatchRandom.State,
        };
        foreach (var (name, value) in collector.Envs.SaveState()) counters["env." + name] = value;
        Checkpoint.Save(ctx.PathOf("checkpoint.bin"), new Dictionary<string, nn.Module> { ["policy"] = policy },
            new Dictionary<string, TorchSharp.Modules.OptimizerHelper> { ["adam"] = learner.Optimizer }, counters);

        double seconds = clock.Elapsed.TotalSeconds;
        var figures = new Dictionary<string, double>
        {
            ["mean_return_last_100"] = recentReturns.Count == 0 ? 0 : recentReturns.Average(),
            ["env_steps"] = envSteps,
            ["episodes"] = episodes,
            ["env_steps_per_second"] = envSteps / seconds,
        };
        if (envStepsToTarget is long reached) figures["env_steps_to_target_return"] = reached;
        var summary = new TrainingSummary { Workload = Workload, Steps = learner.Version, WallSeconds = seconds, Figures = figures };
        summary.Write(ctx.PathOf("summary.json"));
        // A cancelled run keeps what it wrote (a usable checkpoint and metrics) and then reports the cancellation.
        ctx.Cancellation.ThrowIfCancellationRequested();
        return summary;
    }
}
