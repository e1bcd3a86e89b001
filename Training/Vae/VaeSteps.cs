using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Vae;

/// <summary>The VAE's minibatch step, shared by the reference trainer and data-parallel workers.</summary>
public static class VaeSteps
{
    /// <summary>
    /// The reparameterisation noise of step <paramref name="step"/> for a global batch: drawn from a generator seeded
    /// by (seed, step), so any worker can cut its own rows out of the same tensor the single process draws.
    /// </summary>
    public static Tensor Noise(long seed, long step, int globalBatch, int latentSize)
    {
        using var generator = new Generator((ulong)Core.Seeding.Derive(seed, $"vae-noise:{step}"));
        return randn(new long[] { globalBatch, latentSize }, generator: generator);
    }

    /// <summary>Backpropagates the mean negative ELBO of the batch into the model's gradients; returns (loss, reconstruction, KL) in nats.</summary>
    public static (double Loss, double Reconstruction, double Kl) Gradients(VariationalAutoencoder vae, Tensor x, Tensor eps)
    {
        using var scope = NewDisposeScope();
        var (logits, mu, logVar) = vae.forward(x, eps);
        var (loss, reconstruction, kl) = NegativeElbo.PerExample(logits, x, mu, logVar);
        var mean = loss.mean();
        mean.backward();
        return (mean.item<float>(), reconstruction.mean().item<float>(), kl.mean().item<float>());
    }

    /// <summary>Mean negative ELBO in nats over a data set, single-sample estimate with seeded noise.</summary>
    public static double Evaluate(VariationalAutoencoder vae, Func<int[], Tensor> batchOf, int count, long seed, Device device, int batchSize = 1000)
    {
        using var noGrad = no_grad();
        double total = 0;
        for (int start = 0; start < count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(start, Math.Min(batchSize, count - start)).ToArray();
            var x = batchOf(indices).to(device);
            var eps = Noise(seed, -1 - start, indices.Length, vae.LatentSize).to(device);
            var (logits, mu, logVar) = vae.forward(x, eps);
            total += NegativeElbo.PerExample(logits, x, mu, logVar).Loss.sum().item<float>();
        }
        return total / count;
    }
}
