using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Gan;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Gan;

public sealed class SplitGanWorkloadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-split-gan-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ImageGanData TinyImages(long seed)
    {
        var pixels = new float[37 * ImageDataset.PixelsPerImage];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (i * 7919 % 255) / 255f;
        return new ImageGanData("tiny", new ImageDataset(pixels, new byte[37]), seed);
    }

    public static TheoryData<string> DataSets => ["ring8", "images"];

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Four_workers_rows_together_are_the_whole_batch_of_real_rows_and_noise(string dataSet)
    {
        IGanData data = dataSet == "ring8" ? new MixtureGanData(GaussianMixture2D.Ring8(), 4) : TinyImages(4);
        const int batch = 16, workers = 4, b = batch / workers;
        // Draw 5 crosses an epoch of the 37 tiny images mid-batch; a pure function does not care.
        foreach (long draw in new long[] { 0, 5, 11 })
        {
            using var whole = data.RealRows(draw, batch, 0, batch);
            using var parts = cat(Enumerable.Range(0, workers).Select(w => data.RealRows(draw, batch, w * b, b)).ToArray());
            Assert.True(Same(whole, parts), $"real rows of draw {draw}");
            using var again = data.RealRows(draw, batch, 0, batch);
            Assert.True(Same(whole, again));
        }
        using var otherDraw = data.RealRows(1, batch, 0, batch);
        using var firstDraw = data.RealRows(0, batch, 0, batch);
        Assert.False(Same(otherDraw, firstDraw));

        using var latent = GanBatch.Latent(9, round: 3, substep: 1, batch, 8, 0, batch);
        using var latentParts = cat(Enumerable.Range(0, workers).Select(w => GanBatch.Latent(9, 3, 1, batch, 8, w * b, b)).ToArray());
        Assert.True(Same(latent, latentParts));
        using var otherSubstep = GanBatch.Latent(9, 3, 2, batch, 8, 0, batch);
        Assert.False(Same(latent, otherSubstep));
    }

    [Fact]
    public void An_image_epoch_shows_every_image_once()
    {
        var data = TinyImages(2);
        var seen = new HashSet<string>();
        // 37 images, batch 37: draw t is exactly epoch t.
        using var epoch = data.RealRows(3, 37, 0, 37);
        for (int i = 0; i < 37; i++) seen.Add(string.Join(',', epoch[i].data<float>().ToArray().Take(40)));
        Assert.Equal(37, seen.Count);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    public void Two_workers_averaged_substep_by_substep_equal_the_whole_batch_in_one_process(int discriminatorSteps, int pack)
    {
        // The cluster's arithmetic without the grains: per substep each worker's gradients on its rows, their mean
        // applied by the coordinator's learner; against RunRoundInProcess over the whole batch.
        var model = new GanModelOptions { LatentSize = 4, HiddenSize = 16, Layers = 2, Pack = pack };
        var training = new GanTrainingOptions { Steps = 6, BatchSize = 32, DiscriminatorSteps = discriminatorSteps, LogEvery = 3, EvalEvery = 6 };
        var data = new MixtureGanData(GaussianMixture2D.Ring8(), 5);
        var whole = new SplitGanWorkload(model, training, data, workers: 1, seed: 5);
        var split = new SplitGanWorkload(model, training, data, workers: 2, seed: 5);

        var (g1, d1) = (whole.CreateGenerator(), whole.CreateDiscriminator());
        using var reference = whole.CreateLearner(g1, d1, RunContext.OnCpu(Directory.CreateDirectory(Path.Combine(_folder, "a")).FullName, 5));
        var (g2, d2) = (split.CreateGenerator(), split.CreateDiscriminator());
        using var coordinator = split.CreateLearner(g2, d2, RunContext.OnCpu(Directory.CreateDirectory(Path.Combine(_folder, "b")).FullName, 5));
        var workers = Enumerable.Range(0, 2).Select(_ => (G: split.CreateGenerator(), D: split.CreateDiscriminator())).ToArray();

        for (long round = 1; round <= training.Steps; round++)
        {
            whole.RunRoundInProcess(g1, d1, reference, round);
            for (int k = 0; k < discriminatorSteps; k++)
            {
                var gradients = workers.Select((w, i) =>
                {
                    ParameterVector.Assign(w.G.parameters(), ParameterVector.Flatten(g2.parameters()));
                    ParameterVector.Assign(w.D.parameters(), ParameterVector.Flatten(d2.parameters()));
                    using var fakes = split.Fakes(w.G, round, k, i * split.RowsPerWorker, split.RowsPerWorker);
                    split.DiscriminatorGradients(w.D, round, k, i * split.RowsPerWorker, fakes);
                    return ParameterVector.FlattenGradients(w.D.parameters());
                }).ToList();
                ParameterVector.AssignGradients(d2.parameters(), Mean(gradients));
                coordinator.ApplyDiscriminator(round);
            }
            var generatorGradients = workers.Select((w, i) =>
            {
                ParameterVector.Assign(w.G.parameters(), ParameterVector.Flatten(g2.parameters()));
                ParameterVector.Assign(w.D.parameters(), ParameterVector.Flatten(d2.parameters()));
                w.G.zero_grad();
                using var fakes = split.FakesWithGraph(w.G, round, discriminatorSteps, i * split.RowsPerWorker, split.RowsPerWorker);
                var (_, gradientWrtFakes) = split.FakeGradients(w.D, fakes);
                GanSteps.GeneratorBackward(fakes, gradientWrtFakes);
                gradientWrtFakes.Dispose();
                return ParameterVector.FlattenGradients(w.G.parameters());
            }).ToList();
            ParameterVector.AssignGradients(g2.parameters(), Mean(generatorGradients));
            coordinator.ApplyGenerator(round);
        }

        Assert.True(MaxDifference(g1, g2) <= 1e-5, $"generator differs by {MaxDifference(g1, g2):E3}");
        Assert.True(MaxDifference(d1, d2) <= 1e-5, $"discriminator differs by {MaxDifference(d1, d2):E3}");
        Assert.True(MaxDifference(g1, split.CreateGenerator()) > 1e-3, "the generator did not train");
    }

    [Fact]
    public void The_linear_schedule_decays_from_the_base_rate_towards_zero()
    {
        var training = new GanTrainingOptions { Steps = 4 };
        var workload = new SplitGanWorkload(new GanModelOptions { HiddenSize = 8, Layers = 1 }, training, new MixtureGanData(GaussianMixture2D.Ring8(), 1), 1, 1);
        using var learner = workload.CreateLearner(workload.CreateGenerator(), workload.CreateDiscriminator(), RunContext.OnCpu(_folder, 1));
        Assert.Equal([1.0, 0.75, 0.5, 0.25], Enumerable.Range(1, 4).Select(r => learner.RateFactor(r)));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static float[] Mean(IReadOnlyList<float[]> vectors) =>
        Enumerable.Range(0, vectors[0].Length).Select(j => vectors.Average(v => v[j])).Select(v => (float)v).ToArray();

    private static double MaxDifference(nn.Module a, nn.Module b) =>
        ParameterVector.Flatten(a.parameters()).Zip(ParameterVector.Flatten(b.parameters())).Max(p => Math.Abs(p.First - p.Second));
}
