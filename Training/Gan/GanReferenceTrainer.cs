using System.Diagnostics;
using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// Single-process GAN (Goodfellow et al. 2014) on 2-D mixtures or 28x28 images: each round, k discriminator steps
/// (with the R1 penalty on real data when training.r1Gamma > 0), then one generator step, each network with its own
/// Adam. It runs the rounds of <see cref="SplitGanWorkload"/> over the whole batch in one process, with the same learner
/// as the cluster's coordinator: a split run over W workers equals this with the same global batch. With
/// <paramref name="resume"/>, a run interrupted in the same folder continues from its checkpoint.
/// </summary>
public sealed class GanReferenceTrainer(GanModelOptions model, GanTrainingOptions training, IGanData data, bool resume = false,
    int checkpointEvery = 0) : IReferenceTrainer
{
    /// <summary>Builds the generator and discriminator that suit the data, seeded, on the CPU.</summary>
    public static (nn.Module<Tensor, Tensor> Generator, nn.Module<Tensor, Tensor> Discriminator) BuildNetworks(
        GanModelOptions model, bool images, long seed)
    {
        return Seeding.Build(seed, () =>
        {
            nn.Module<Tensor, Tensor> generator = images
                ? new ConvGenerator(model.LatentSize, model.Channels)
                : new MlpGenerator(model.LatentSize, model.HiddenSize, model.Layers);
            nn.Module<Tensor, Tensor> discriminator = images
                ? new ConvDiscriminator(model.Channels, model.Pack)
                : new MlpDiscriminator(2, model.HiddenSize, model.Layers, model.Pack);
            return (generator, discriminator);
        });
    }

    public TrainingSummary Run(RunContext ctx)
    {
        var clock = Stopwatch.StartNew();
        var workload = new SplitGanWorkload(model, training, data, workers: 1, ctx.Seed, checkpointEvery);
        var (generator, discriminator) = BuildNetworks(model, data.IsImage, ctx.Seed);
        generator.to(ctx.Device);
        discriminator.to(ctx.Device);
        using var learner = workload.CreateLearner(generator, discriminator, ctx);
        long resumed = resume ? learner.Resume() : 0;
        long samplesSeen = 0;
        for (long round = resumed + 1; round <= training.Steps; round++)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var (dLoss, gLoss) = workload.RunRoundInProcess(generator, discriminator, learner, round);
            samplesSeen += (long)training.DiscriminatorSteps * training.BatchSize;
            learner.EndRound(round, dLoss, gLoss, samplesSeen / clock.Elapsed.TotalSeconds);
            if (checkpointEvery > 0 && round % checkpointEvery == 0) learner.SaveCheckpoint(round);
        }
        return learner.Finish(clock.Elapsed.TotalSeconds);
    }
}
