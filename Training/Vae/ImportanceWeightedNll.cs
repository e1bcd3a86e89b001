using DistGen.Training.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistGen.Training.Vae;

/// <summary>
/// The importance-weighted estimate of -log p(x) for binary images (Burda, Grosse and Salakhutdinov 2016), with q(z|x)
/// as the proposal: an upper bound on -log p(x) in expectation that tightens as k grows, equal to the negative ELBO at
/// k = 1. The figure published VAE likelihoods on binarized MNIST are measured with (k = 5,000 there).
/// </summary>
public static class ImportanceWeightedNll
{
    /// <summary>Decoder rows per pass (images × samples): bounds the memory of one pass whatever k is.</summary>
    public const int DefaultRowsPerPass = 8192;

    /// <summary>The named seed stream of image <paramref name="index"/>'s k samples of q(z|x).</summary>
    public static string StreamOf(int index) => $"vae-iw-noise:{index}";

    /// <summary>
    /// log w_j for each image (rows of <paramref name="x"/>, B × D binary) and each of its noise draws
    /// (<paramref name="eps"/>, B × K × latent, standard normal); returns B × K in float64.
    /// </summary>
    public static Tensor LogWeights(VariationalAutoencoder vae, Tensor x, Tensor eps)
    {
        using var scope = NewDisposeScope();
        long images = eps.shape[0], samples = eps.shape[1], latent = eps.shape[2];
        var (mu, logVar) = vae.Encode(x);
        // z_j = mu + sigma * eps_j ~ q(z|x)
        var z = mu.unsqueeze(1).add(logVar.mul(Scalars.Constant(0.5)).exp().unsqueeze(1).mul(eps), Scalars.One);
        var logits = vae.Decode(z.view(images * samples, latent)).view(images, samples, -1);
        // Bernoulli: log p(x|z) = sum_i [x_i log sigmoid(l_i) + (1 - x_i) log sigmoid(-l_i)] = sum_i log sigmoid(l_i) - sum_i (1 - x_i) l_i
        var notX = ones_like(x).sub(x);
        var logPxGivenZ = logsigmoid(logits).sum(2).sub(logits.matmul(notX.unsqueeze(2)).squeeze(2));
        // log p(z) - log q(z|x) = sum_j [-z_j^2 / 2 + eps_j^2 / 2 + log sigma_j]   (the log 2π terms cancel)
        var logPriorOverPosterior = z.pow(Scalars.Constant(2L)).sum(2).sub(eps.pow(Scalars.Constant(2L)).sum(2))
            .sub(logVar.sum(1).unsqueeze(1)).mul(Scalars.Constant(-0.5));
        // log w_j = log p(x|z_j) + log p(z_j) - log q(z_j|x)
        return logPxGivenZ.add(logPriorOverPosterior, Scalars.One).to(ScalarType.Float64).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mean over the rows of <paramref name="x"/> (binary images, row r being image <paramref name="firstIndex"/> + r of
    /// its data set) of the k-sample estimate of -log p(x), in nats, and of the negative ELBO averaged over the same k
    /// samples. Image n's samples come from its own seeded stream, so the figure does not depend on the batching.
    /// </summary>
    public static ImportanceWeightedEstimate Estimate(VariationalAutoencoder vae, Tensor x, int samples, long seed,
        int firstIndex = 0, int rowsPerPass = DefaultRowsPerPass)
    {
        var (negLogLikelihood, negElbo) = PerImage(vae, x, samples, seed, firstIndex, rowsPerPass);
        int count = negLogLikelihood.Length;
        return new ImportanceWeightedEstimate(negLogLikelihood.Sum() / count, negElbo.Sum() / count, count, samples);
    }

    /// <summary>
    /// The same two figures for each row of <paramref name="x"/> on its own (an image's anomaly score): the k-sample
    /// estimate of -log p(x) and the negative ELBO averaged over the same k samples, in nats. Grey-level rows are scored
    /// with the Bernoulli cross-entropy the model was trained with, which is then a score, not a likelihood.
    /// </summary>
    public static (double[] NegLogLikelihood, double[] NegElbo) PerImage(VariationalAutoencoder vae, Tensor x, int samples, long seed,
        int firstIndex = 0, int rowsPerPass = DefaultRowsPerPass)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        using var noGrad = no_grad();
        var device = vae.parameters().First().device;
        int count = (int)x.shape[0], samplesPerPass = Math.Min(samples, rowsPerPass), imagesPerPass = Math.Max(1, rowsPerPass / samplesPerPass);
        var negLogLikelihood = new double[count];
        var negElbo = new double[count];
        using var logK = Scalars.Owned(Math.Log(samples));
        for (int start = 0; start < count; start += imagesPerPass)
        {
            using var scope = NewDisposeScope();
            int images = Math.Min(imagesPerPass, count - start);
            var batch = x.narrow(0, start, images).to(device);
            var eps = Noise(firstIndex + start, images, samples, vae.LatentSize, seed).to(device);
            var logW = cat(Enumerable.Range(0, (samples + samplesPerPass - 1) / samplesPerPass).Select(pass =>
            {
                int from = pass * samplesPerPass;
                return LogWeights(vae, batch, eps.narrow(1, from, Math.Min(samplesPerPass, samples - from)));
            }).ToArray(), 1);
            // -log p(x) ≈ -(logsumexp_j log w_j - log k);  -ELBO ≈ -(1/k) sum_j log w_j
            logW.logsumexp(1).sub(logK).neg().cpu().data<double>().ToArray().CopyTo(negLogLikelihood, start);
            logW.mean(new long[] { 1 }).neg().cpu().data<double>().ToArray().CopyTo(negElbo, start);
        }
        return (negLogLikelihood, negElbo);
    }

    // Images × samples × latent standard normal draws, image n's from its own stream.
    private static Tensor Noise(int firstIndex, int images, int samples, int latentSize, long seed)
    {
        using var scope = NewDisposeScope();
        var draws = new Tensor[images];
        for (int n = 0; n < images; n++)
        {
            using var generator = Seeding.NewGenerator(seed, StreamOf(firstIndex + n));
            draws[n] = randn(new long[] { samples, latentSize }, generator: generator);
        }
        return stack(draws).MoveToOuterDisposeScope();
    }
}

/// <summary>An importance-weighted likelihood figure: mean -log p(x) and mean negative ELBO in nats over the images.</summary>
public sealed record ImportanceWeightedEstimate(double NegLogLikelihood, double NegElbo, int Images, int Samples);
