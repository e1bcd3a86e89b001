using DistGen.Training.Core;
using DistGen.Training.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Vae;

public sealed class ImportanceWeightedNllTests
{
    private const int Pixels = 6;

    // A VAE small enough that p(x) = ∫ p(x|z) p(z) dz can be integrated on a grid; its weights are scaled up so the
    // posterior is far from q's first guess and the bound's gap is wide enough to see.
    private static VariationalAutoencoder TinyVae(int latentSize, long seed = 5, double sharpen = 3)
    {
        var vae = Seeding.Build(seed, () => new VariationalAutoencoder(Pixels, 16, latentSize));
        using var noGrad = no_grad();
        foreach (var parameter in vae.parameters()) parameter.mul_(sharpen);
        return vae;
    }

    private static Tensor BinaryImages(int count, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return rand(new long[] { count, Pixels }, generator: generator).lt(0.5).to(ScalarType.Float32);
    }

    private static double LogBernoulli(float[] logits, float[] x) =>
        logits.Zip(x).Sum(p => p.Second > 0.5 ? -Math.Log(1 + Math.Exp(-p.First)) : -Math.Log(1 + Math.Exp(p.First)));

    private static double LogStandardNormal(double z) => -0.5 * z * z - 0.5 * Math.Log(2 * Math.PI);

    // -log p(x) of each row of x by the trapezoid rule over z in [-12, 12] for a 1-D latent, in double from the decoder's logits:
    // log p(x) = log sum_i c_i h p(x|z_i) p(z_i), c_i = 1/2 at the ends and 1 inside.
    private static double[] BruteForceNll(VariationalAutoencoder vae, Tensor x)
    {
        const int points = 24_001;
        using var noGrad = no_grad();
        var z = linspace(-12, 12, points, ScalarType.Float64);
        var logits = vae.Decode(z.to(ScalarType.Float32).unsqueeze(1)).to(ScalarType.Float64);
        var binary = x.to(ScalarType.Float64);
        var logPxGivenZ = binary.matmul(nn.functional.logsigmoid(logits).t()) + (1 - binary).matmul(nn.functional.logsigmoid(-logits).t());
        var logTrapezoid = full(points, Math.Log(24.0 / (points - 1)), ScalarType.Float64);
        logTrapezoid[0] += Math.Log(0.5);
        logTrapezoid[points - 1] += Math.Log(0.5);
        var logPrior = -0.5 * z.pow(2) - 0.5 * Math.Log(2 * Math.PI);
        return (-(logPxGivenZ + logPrior + logTrapezoid).logsumexp(1)).data<double>().ToArray();
    }

    [Fact]
    public void A_log_weight_is_log_p_x_given_z_plus_log_p_z_minus_log_q_z_given_x()
    {
        var vae = TinyVae(latentSize: 2);
        var x = BinaryImages(1, seed: 1);
        var eps = tensor(new float[] { 0.3f, -1.2f, 1.5f, 0.1f }).view(1, 2, 2);

        var logW = ImportanceWeightedNll.LogWeights(vae, x, eps).data<double>().ToArray();

        using var noGrad = no_grad();
        var (muT, logVarT) = vae.Encode(x);
        var (mu, logVar) = (muT.data<float>().ToArray(), logVarT.data<float>().ToArray());
        var e = eps.data<float>().ToArray();
        for (int j = 0; j < 2; j++)
        {
            var z = Enumerable.Range(0, 2).Select(d => mu[d] + Math.Exp(0.5 * logVar[d]) * e[2 * j + d]).ToArray();
            var logits = vae.Decode(tensor(z.Select(v => (float)v).ToArray()).unsqueeze(0)).data<float>().ToArray();
            double logQ = Enumerable.Range(0, 2).Sum(d => LogStandardNormal(e[2 * j + d]) - 0.5 * logVar[d]);
            double expected = LogBernoulli(logits, x.data<float>().ToArray()) + z.Sum(LogStandardNormal) - logQ;
            Assert.Equal(expected, logW[j], 4);
        }
    }

    [Fact]
    public void With_many_samples_the_estimate_equals_minus_log_p_x_integrated_on_a_grid()
    {
        var vae = TinyVae(latentSize: 1);
        var x = BinaryImages(4, seed: 2);
        for (int n = 0; n < 4; n++)
        {
            var image = x.narrow(0, n, 1);
            double exact = BruteForceNll(vae, image)[0];
            var estimate = ImportanceWeightedNll.Estimate(vae, image, samples: 20_000, seed: 7, firstIndex: n);
            Assert.True(Math.Abs(estimate.NegLogLikelihood - exact) < 0.02,
                $"image {n}: IW {estimate.NegLogLikelihood:F4} vs grid {exact:F4} nats (ELBO {estimate.NegElbo:F4})");
            Assert.True(estimate.NegElbo > exact, $"image {n}: the ELBO {estimate.NegElbo:F4} must bound {exact:F4}");
        }
    }

    [Fact]
    public void The_bound_is_below_the_negative_elbo_and_tightens_on_average_as_k_grows()
    {
        var vae = TinyVae(latentSize: 1);
        var x = BinaryImages(300, seed: 3);
        double exact = BruteForceNll(vae, x).Average();
        double elbo = NegativeElboWithClosedFormKl(vae, x);
        var estimates = new[] { 1, 10, 100, 1000 }.Select(k => ImportanceWeightedNll.Estimate(vae, x, k, seed: 11)).ToArray();

        // At k = 1 the estimate is the negative ELBO with its KL term sampled: averaged over 1,000 samples per image it
        // agrees with NegativeElbo's closed-form KL.
        Assert.InRange(estimates[^1].NegElbo, elbo - 0.1, elbo + 0.1);
        Assert.Equal(estimates[0].NegLogLikelihood, estimates[0].NegElbo, 12);
        for (int i = 1; i < estimates.Length; i++)
            Assert.True(estimates[i].NegLogLikelihood < estimates[i - 1].NegLogLikelihood,
                $"k = {estimates[i].Samples}: {estimates[i].NegLogLikelihood:F4} nats, not below k = {estimates[i - 1].Samples}: {estimates[i - 1].NegLogLikelihood:F4}");
        // Jensen on the same samples: logsumexp_j log w_j - log k >= mean_j log w_j for every image.
        Assert.All(estimates, e => Assert.True(e.NegLogLikelihood <= e.NegElbo));
        Assert.InRange(estimates[^1].NegLogLikelihood, exact - 0.01, exact + 0.05);
        Assert.True(elbo - exact > 0.3, $"the bound's gap at k = 1 is {elbo - exact:F3} nats: too small to test anything");
    }

    private static double NegativeElboWithClosedFormKl(VariationalAutoencoder vae, Tensor x)
    {
        using var noGrad = no_grad();
        double total = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            using var generator = new Generator((ulong)(1000 + seed));
            var (logits, mu, logVar) = vae.forward(x, randn(new long[] { x.shape[0], vae.LatentSize }, generator: generator));
            total += NegativeElbo.PerExample(logits, x, mu, logVar).Loss.mean().item<float>();
        }
        return total / 200;
    }

    [Fact]
    public void The_estimate_is_a_function_of_the_seed_alone_not_of_the_batching()
    {
        var vae = TinyVae(latentSize: 2);
        var x = BinaryImages(20, seed: 4);
        var whole = ImportanceWeightedNll.Estimate(vae, x, samples: 50, seed: 9);
        var again = ImportanceWeightedNll.Estimate(vae, x, samples: 50, seed: 9);
        var chunked = ImportanceWeightedNll.Estimate(vae, x, samples: 50, seed: 9, rowsPerPass: 7);
        var otherSeed = ImportanceWeightedNll.Estimate(vae, x, samples: 50, seed: 10);
        // The last 5 images alone, told where they sit in the data set, draw the same samples as inside the whole set.
        var tail = ImportanceWeightedNll.Estimate(vae, x.narrow(0, 15, 5), samples: 50, seed: 9, firstIndex: 15);
        var head = ImportanceWeightedNll.Estimate(vae, x.narrow(0, 0, 15), samples: 50, seed: 9);

        Assert.Equal(whole, again);
        Assert.Equal(whole.NegLogLikelihood, chunked.NegLogLikelihood, 4);
        Assert.Equal(whole.NegElbo, chunked.NegElbo, 4);
        Assert.NotEqual(whole.NegLogLikelihood, otherSeed.NegLogLikelihood);
        Assert.Equal(whole.NegLogLikelihood, (15 * head.NegLogLikelihood + 5 * tail.NegLogLikelihood) / 20, 4);
    }
}
