using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// The GAN split across actors (docs/architecture.md, "The GAN round"): round r is k discriminator substeps and one generator step.
/// W generator workers and W discriminator workers each own b = B / W rows of every substep's global batch (b a multiple
/// of the PacGAN pack, so no pack straddles two workers); real rows and latent noise are pure functions of
/// (seed, round, substep, row) (<see cref="GanBatch"/>). Both losses are means over the batch's D outputs, so the mean
/// of the W workers' gradients is the gradient of the whole batch: W workers equal the reference with batch W·b.
/// The coordinator owns both networks' optimizers (<see cref="SplitGanLearner"/>); <see cref="GanReferenceTrainer"/>
/// runs the same substeps in one process (<see cref="RunRoundInProcess"/>).
/// </summary>
public sealed class SplitGanWorkload(GanModelOptions model, GanTrainingOptions training, IGanData data, int workers, long seed,
    int checkpointEvery = 0) : IRoundWorkload
{
    /// <summary>The workload's name in specs.</summary>
    public const string WorkloadName = "gan";

    public string Name => WorkloadName;
    public int Workers => workers;
    public int Rounds => training.Steps;
    public int CheckpointEvery => checkpointEvery;
    /// <summary>b: rows of each worker's part of every substep's global batch.</summary>
    public int RowsPerWorker => training.BatchSize / workers;
    /// <summary>k: discriminator substeps per round; substep k is the generator step.</summary>
    public int DiscriminatorSteps => training.DiscriminatorSteps;
    public GanModelOptions Model => model;
    public GanTrainingOptions Training => training;
    public IGanData Data => data;
    public long Seed => seed;
    public GeneratorLossKind LossKind { get; } = GanLoss.ParseKind(training.GeneratorLoss);

    /// <summary>The shape of one worker's fakes: [b, 2] or [b, 1, 28, 28].</summary>
    public long[] FakesShape => [RowsPerWorker, .. data.SampleShape];

    /// <summary>The seeded generator, identical in every process.</summary>
    public nn.Module<Tensor, Tensor> CreateGenerator()
    {
        var (generator, discriminator) = GanReferenceTrainer.BuildNetworks(model, data.IsImage, seed);
        discriminator.Dispose();
        return generator;
    }

    /// <summary>The seeded discriminator, identical in every process.</summary>
    public nn.Module<Tensor, Tensor> CreateDiscriminator()
    {
        var (generator, discriminator) = GanReferenceTrainer.BuildNetworks(model, data.IsImage, seed);
        generator.Dispose();
        return discriminator;
    }

    /// <summary>G(z) for rows [offset, offset + rows) of a substep's batch, without a graph (for a discriminator substep).</summary>
    public Tensor Fakes(nn.Module<Tensor, Tensor> generator, long round, int substep, int offset, int rows)
    {
        using var noGrad = no_grad();
        return FakesWithGraph(generator, round, substep, offset, rows);
    }

    /// <summary>G(z) with its graph, for the generator step (substep k); zero G's gradients first.</summary>
    public Tensor FakesWithGraph(nn.Module<Tensor, Tensor> generator, long round, int substep, int offset, int rows)
    {
        // The intermediate activations' handles go with the scope (the graph keeps what backward needs), the fakes leave it.
        using var scope = NewDisposeScope();
        var z = GanBatch.Latent(seed, round, substep, training.BatchSize, model.LatentSize, offset, rows);
        return generator.forward(z.to(DeviceOf(generator))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Leaves in D's gradients dL_D/dθ_D (with R1) over real rows [offset, offset + fakes rows) of discriminator substep
    /// <paramref name="substep"/> and the given fakes; returns L_D.
    /// </summary>
    public double DiscriminatorGradients(nn.Module<Tensor, Tensor> discriminator, long round, int substep, int offset, Tensor fakes)
    {
        discriminator.zero_grad();
        long draw = GanBatch.RealDraw(round, substep, training.DiscriminatorSteps);
        using var real = data.RealRows(draw, training.BatchSize, offset, (int)fakes.shape[0]);
        using var onDevice = real.to(DeviceOf(discriminator));
        return GanSteps.DiscriminatorGradients(discriminator, onDevice, fakes, training.R1Gamma);
    }

    /// <summary>D's half of the generator step: L_G and dL_G/dFake for a worker's fakes.</summary>
    public (double Loss, Tensor GradientWrtFakes) FakeGradients(nn.Module<Tensor, Tensor> discriminator, Tensor fakes) =>
        GanSteps.GeneratorLossGradient(discriminator, fakes, LossKind);

    /// <summary>The coordinator's side: both optimizers, schedule, evaluation, metrics and artifacts.</summary>
    public SplitGanLearner CreateLearner(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, RunContext context) =>
        new(this, generator, discriminator, context);

    /// <summary>One round in one process over the whole batch: what the W generator and W discriminator workers do together.</summary>
    public (double DiscriminatorLoss, double GeneratorLoss) RunRoundInProcess(
        nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, SplitGanLearner learner, long round)
    {
        using var scope = NewDisposeScope();
        double dLoss = 0;
        for (int k = 0; k < training.DiscriminatorSteps; k++)
        {
            var fakes = Fakes(generator, round, k, 0, training.BatchSize);
            dLoss = DiscriminatorGradients(discriminator, round, k, 0, fakes);
            learner.ApplyDiscriminator(round);
        }
        generator.zero_grad();
        var withGraph = FakesWithGraph(generator, round, training.DiscriminatorSteps, 0, training.BatchSize);
        var (gLoss, gradientWrtFakes) = FakeGradients(discriminator, withGraph);
        GanSteps.GeneratorBackward(withGraph, gradientWrtFakes);
        learner.ApplyGenerator(round);
        return (dLoss, gLoss);
    }

    private static Device DeviceOf(nn.Module module) => module.parameters().First().device;
}
