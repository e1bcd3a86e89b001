using DistGen.Training.Data;
using DistGen.Training.Specs;
using DistGen.Training.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Vae;

public sealed class NegativeElboTests
{
    /// <summary>
    /// The VAE's Bernoulli likelihood is applied to grey-level pixels in [0, 1], not to binarized ones, so no model can
    /// score below the pixels' own entropy: the sum over pixels of -(x ln x + (1 - x) ln(1 - x)). This measures that
    /// floor on the Fashion-MNIST test set, the figure the README quotes beside the VAE's test negative ELBO.
    /// </summary>
    [Fact]
    public void The_bernoulli_likelihood_of_grey_pixels_has_a_floor_the_test_set_entropy()
    {
        var (_, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        double total = 0;
        foreach (float pixel in test.Pixels)
        {
            double x = pixel;
            if (x > 0 && x < 1) total -= x * Math.Log(x) + (1 - x) * Math.Log(1 - x);
        }
        double perImage = total / test.Count;
        Assert.InRange(perImage, FashionMnistTestEntropyNats - 0.05, FashionMnistTestEntropyNats + 0.05);
    }

    /// <summary>Mean entropy, in nats per image, of the Fashion-MNIST test images' grey levels as Bernoulli means.</summary>
    private const double FashionMnistTestEntropyNats = 189.86;

    [Fact]
    public void Gaussian_kl_closed_form_matches_a_monte_carlo_estimate()
    {
        var mu = tensor(new float[] { 0.5f, -1.0f, 2.0f }).unsqueeze(0);
        var logVar = tensor(new float[] { -0.5f, 0.3f, -2.0f }).unsqueeze(0);
        double closedForm = NegativeElbo.GaussianKl(mu, logVar).item<float>();

        // KL(q || p) = E_q[log q(z) - log p(z)], estimated with 400k seeded samples of q.
        using var generator = new Generator(12345);
        var sigma = (0.5 * logVar).exp().to(ScalarType.Float64);
        var eps = randn(new long[] { 400_000, 3 }, ScalarType.Float64, generator: generator);
        var z = mu.to(ScalarType.Float64) + sigma * eps;
        var logQ = (-0.5 * eps.pow(2) - sigma.log() - 0.5 * Math.Log(2 * Math.PI)).sum(1);
        var logP = (-0.5 * z.pow(2) - 0.5 * Math.Log(2 * Math.PI)).sum(1);
        double monteCarlo = (logQ - logP).mean().item<double>();

        Assert.Equal(closedForm, monteCarlo, 2);
        Assert.True(closedForm > 0);
    }

    [Fact]
    public void Kl_is_zero_when_the_posterior_is_the_prior()
    {
        var zero = zeros(2, 4);
        Assert.All(NegativeElbo.GaussianKl(zero, zero).data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Reconstruction_term_is_the_bernoulli_negative_log_likelihood_summed_over_pixels()
    {
        var logits = tensor(new float[] { 2f, -1f, 0f }).unsqueeze(0);
        var x = tensor(new float[] { 1f, 0f, 0.25f }).unsqueeze(0);
        double p(double l) => 1 / (1 + Math.Exp(-l));
        double expected = -Math.Log(p(2)) - Math.Log(1 - p(-1)) - (0.25 * Math.Log(p(0)) + 0.75 * Math.Log(1 - p(0)));
        var (loss, reconstruction, kl) = NegativeElbo.PerExample(logits, x, zeros(1, 2), zeros(1, 2));
        Assert.Equal(expected, reconstruction.item<float>(), 5);
        Assert.Equal(0f, kl.item<float>());
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Noise_of_a_step_is_the_same_in_every_process_and_differs_between_steps()
    {
        var a = VaeSteps.Noise(seed: 3, step: 7, globalBatch: 8, latentSize: 4);
        var b = VaeSteps.Noise(seed: 3, step: 7, globalBatch: 8, latentSize: 4);
        var c = VaeSteps.Noise(seed: 3, step: 8, globalBatch: 8, latentSize: 4);
        Assert.True(a.allclose(b, rtol: 0, atol: 0));
        Assert.False(a.allclose(c));
    }
}
