using DistGen.Grains.DataPlane;
using DistGen.Grains.Gan;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Gan;
using DistGen.Training.Rl;
using DistGen.Training.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.TorchSafety;

/// <summary>
/// A tensor made outside a dispose scope lives until the garbage collector finalizes it, which may happen in the middle
/// of the libtorch call reading it (the same hazard as a temporary Scalar). Every step of the training path (worker
/// steps, learner updates, evaluations, as the grains and coordinators call them) must therefore make its tensors inside
/// a scope: once warm (models and optimizer state exist), a step makes none outside one on its thread.
/// </summary>
public sealed class UnscopedTensorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-unscoped-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private RunContext Context => RunContext.OnCpu(_folder, 3);

    // Runs a warm-up call (lazy state may be made then), then the step again, counting tensors made outside any scope.
    private static void AssertScoped(string what, Action step)
    {
        step();
        var statistics = DisposeScopeManager.Statistics;
        statistics.Reset();
        step();
        step();
        Assert.True(statistics.CreatedOutsideScopeCount == 0, $"{what} made {statistics.CreatedOutsideScopeCount} tensors outside a dispose scope");
    }

    // Short runs that still reach every part of a reference run: setup (data, networks, optimizer state), rounds,
    // logging, evaluation, samples, periodic and final checkpoints, loss plot and summary.
    public static TheoryData<string, string> WholeRuns => new()
    {
        { "vae", """
            { "apiVersion": "distgen/v1", "name": "whole-vae", "workload": "vae", "seed": 3, "data": { "name": "fashion-mnist" },
              "model": { "hiddenSize": 32, "latentSize": 4 }, "training": { "steps": 12, "batchSize": 16, "trainLimit": 500, "testLimit": 100, "logEvery": 2, "evalEvery": 4 },
              "cluster": { "workers": 2, "checkpointEvery": 4 } }
            """ },
        { "char-lm", """
            { "apiVersion": "distgen/v1", "name": "whole-lm", "workload": "char-lm", "seed": 3, "data": { "name": "kjv" },
              "model": { "contextLength": 16, "modelDimension": 32, "heads": 2, "layers": 1 },
              "training": { "steps": 12, "batchSize": 8, "warmupSteps": 2, "evalInterval": 4, "evalBatches": 1, "sampleLength": 5 },
              "cluster": { "workers": 2, "checkpointEvery": 4 } }
            """ },
        { "gan-ring", """
            { "apiVersion": "distgen/v1", "name": "whole-gan", "workload": "gan", "seed": 3, "data": { "name": "ring8" },
              "model": { "hiddenSize": 16, "layers": 2, "pack": 2 }, "training": { "steps": 12, "batchSize": 16, "r1Gamma": 0.1, "logEvery": 2, "evalEvery": 4 },
              "cluster": { "workers": 2, "checkpointEvery": 4 } }
            """ },
        { "gan-images", """
            { "apiVersion": "distgen/v1", "name": "whole-gan-images", "workload": "gan", "seed": 3, "data": { "name": "fashion-mnist" },
              "model": { "latentSize": 8, "channels": 8 }, "training": { "steps": 8, "batchSize": 8, "r1Gamma": 0.1, "logEvery": 2, "evalEvery": 4 },
              "cluster": { "workers": 1, "checkpointEvery": 4 } }
            """ },
        { "ppo", """
            { "apiVersion": "distgen/v1", "name": "whole-ppo", "workload": "ppo", "seed": 3, "data": { "name": "cartpole" },
              "training": { "totalEnvSteps": 400, "envs": 4, "rolloutSteps": 25, "minibatchSize": 25, "epochs": 2 }, "cluster": { "workers": 2 } }
            """ },
    };

    /// <summary>
    /// The whole of a reference run, setup and artifacts included, makes every tensor inside a dispose scope: a layer
    /// initialiser's temporary made outside one was freed by a collection mid-call under GC pressure (a segfault in
    /// THSTensor_numel while building the image GAN's convolutions). Runs on a thread of its own, since TorchSharp
    /// counts per thread.
    /// </summary>
    [Theory]
    [MemberData(nameof(WholeRuns))]
    public void A_whole_reference_run_makes_every_tensor_inside_a_dispose_scope(string workload, string spec)
    {
        var job = SpecLoader.Parse(spec);
        long outside = -1, inside = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var trainer = job.Workload.CreateReferenceTrainer(job);
                var statistics = DisposeScopeManager.Statistics;
                statistics.Reset();
                trainer.Run(Context);
                (outside, inside) = (statistics.CreatedOutsideScopeCount, statistics.CreatedInScopeCount);
            }
            catch (Exception e) { failure = e; }
        }) { Name = $"whole {workload} run" };
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.True(File.Exists(Path.Combine(_folder, "summary.json")), $"the {workload} run did not finish");
        Assert.True(inside > 0, $"the {workload} run made no tensor in a scope either: the count is not being taken");
        Assert.True(outside == 0, $"the {workload} run made {outside} tensors outside a dispose scope");
    }

    [Theory]
    [InlineData("""
        { "apiVersion": "distgen/v1", "name": "scoped-vae", "workload": "vae", "seed": 3, "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 }, "training": { "steps": 100, "batchSize": 32, "trainLimit": 500, "testLimit": 100, "logEvery": 1, "evalEvery": 1 },
          "cluster": { "workers": 2 } }
        """)]
    [InlineData("""
        { "apiVersion": "distgen/v1", "name": "scoped-lm", "workload": "char-lm", "seed": 3, "data": { "name": "kjv" },
          "model": { "contextLength": 16, "modelDimension": 32, "heads": 2, "layers": 1 },
          "training": { "steps": 100, "batchSize": 8, "evalInterval": 1, "evalBatches": 1, "sampleLength": 5 },
          "cluster": { "workers": 2 } }
        """)]
    public void A_data_parallel_worker_step_and_coordinator_round_make_no_unscoped_tensor(string spec)
    {
        var job = SpecLoader.Parse(spec);
        var workload = job.CreateRoundWorkload<IDataParallelWorkload>();
        var model = workload.CreateReplica();
        var replica = workload.CreateReplica();
        var shard = workload.CreateShardOrder(0);
        using var learner = workload.CreateLearner(model, Context);
        long round = 0;
        IReadOnlyDictionary<string, double> metrics = new Dictionary<string, double>();
        float[] gradient = [];

        AssertScoped("the worker's step", () =>
        {
            ParameterVector.Assign(replica.parameters(), ParameterVector.Flatten(model.parameters()));
            metrics = workload.ComputeGradients(replica, ++round, 0, shard.Next());
            gradient = ParameterVector.FlattenGradients(replica.parameters());
        });
        AssertScoped("the coordinator's round", () =>
        {
            ParameterVector.AssignGradients(model.parameters(), gradient);
            learner.Apply(round);
            learner.EndRound(round, metrics, 1);
        });
    }

    [Fact]
    public void Split_gan_substeps_and_learner_make_no_unscoped_tensor()
    {
        var job = SpecLoader.Parse("""
            { "apiVersion": "distgen/v1", "name": "scoped-gan", "workload": "gan", "seed": 3, "data": { "name": "ring8" },
              "model": { "hiddenSize": 16, "layers": 2 }, "training": { "steps": 100, "batchSize": 16, "logEvery": 1, "evalEvery": 1 },
              "cluster": { "workers": 2 } }
            """);
        var workload = job.CreateRoundWorkload<SplitGanWorkload>();
        var (g, d) = (workload.CreateGenerator(), workload.CreateDiscriminator());
        var (workerG, workerD) = (workload.CreateGenerator(), workload.CreateDiscriminator());
        using var learner = workload.CreateLearner(g, d, Context);
        long round = 0;

        AssertScoped("a generator worker's discriminator substep", () =>
        {
            using var fakes = workload.Fakes(workerG, ++round, 0, 0, workload.RowsPerWorker);
            TensorCheck.Outgoing(fakes, "fakes");
        });
        AssertScoped("a discriminator worker's substep", () =>
        {
            using var scope = NewDisposeScope();
            using var fakes = workload.Fakes(workerG, round, 0, 0, workload.RowsPerWorker);
            workload.DiscriminatorGradients(workerD, round, 0, 0, fakes);
            ParameterVector.FlattenGradients(workerD.parameters());
        });
        AssertScoped("the generator step on both workers", () =>
        {
            Tensor fakes;
            using (var scope = NewDisposeScope())
            {
                workerG.zero_grad();
                fakes = workload.FakesWithGraph(workerG, round, 1, 0, workload.RowsPerWorker).DetachFromDisposeScope();
            }
            using (var scope = NewDisposeScope())
            {
                var (_, gradientWrtFakes) = workload.FakeGradients(workerD, fakes);
                GanSteps.GeneratorBackward(fakes, gradientWrtFakes);
                ParameterVector.FlattenGradients(workerG.parameters());
            }
            fakes.Dispose();
        });
        AssertScoped("the coordinator's round", () =>
        {
            learner.ApplyDiscriminator(round);
            learner.ApplyGenerator(round);
            learner.EndRound(round, 0.5, 0.5, 1);
        });
    }

    [Fact]
    public void Ppo_rollouts_and_updates_make_no_unscoped_tensor()
    {
        var job = SpecLoader.Parse("""
            { "apiVersion": "distgen/v1", "name": "scoped-ppo", "workload": "ppo", "seed": 3, "data": { "name": "cartpole" },
              "training": { "totalEnvSteps": 100000, "envs": 4, "rolloutSteps": 16, "minibatchSize": 32, "epochs": 2 }, "cluster": { "workers": 2 } }
            """);
        var workload = job.CreateRoundWorkload<PpoWorkload>();
        using var learner = workload.CreateLearner(Context);
        var policy = workload.CreatePolicy();
        var collector = workload.CreateCollector(0);
        var batches = new List<TrajectoryBatch>();
        long round = 0;

        AssertScoped("a rollout actor's order", () =>
        {
            ParameterVector.Assign(policy.parameters(), ParameterVector.Flatten(learner.Policy.parameters()));
            var wire = TrajectoryWire.Encode(collector.Collect(policy, workload.Training.RolloutSteps));
            batches.Add(learner.ReceiveEncoded(wire.Shape, wire.Data, learner.Version)!);
        });
        AssertScoped("the learner's update", () =>
        {
            var batch = batches[^1];
            batch.PolicyVersion = learner.Version;
            learner.Update(++round, Enumerable.Repeat(batch, workload.Layout.Actors).ToList());
        });
    }
}
