using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using TorchSharp.Modules;

namespace DistGen.Grains.Runs;

/// <summary>
/// The gradients a step's workers pushed to the coordinator's store: each is taken, checked (<see cref="TensorCheck"/>)
/// and added to their mean, which is left in the network's gradients for the learner's optimizer step. Shared by the
/// data-parallel round and the split GAN's substeps; its buffers are reused from step to step.
/// </summary>
public sealed class PushedGradients(ITensorExchange exchange)
{
    private GradientAverage? _average;

    /// <summary>Leaves the mean of the gradients under <paramref name="keys"/> (one per worker) in <paramref name="parameters"/>' gradients.</summary>
    /// <exception cref="RefusedTensorException">A gradient is not of the network's size or not finite.</exception>
    public void AverageInto(IReadOnlyList<Parameter> parameters, IReadOnlyList<TensorKey> keys, string what) =>
        AverageInto(parameters, keys.Select((key, w) => new PushedGradient(key, 1, $"worker {w}")).ToList(), what);

    /// <summary>
    /// Leaves in <paramref name="parameters"/>' gradients the mean over every worker of <paramref name="pushed"/>: single
    /// workers' gradients and gradient groups' sums, added in the order given.
    /// </summary>
    /// <exception cref="RefusedTensorException">A tensor is not of the network's size or not finite.</exception>
    public void AverageInto(IReadOnlyList<Parameter> parameters, IReadOnlyList<PushedGradient> pushed, string what)
    {
        long count = ParameterVector.Count(parameters);
        if (_average?.Length != count) _average = new GradientAverage(checked((int)count));
        else _average.Reset();
        foreach (var (key, workers, sender) in pushed)
        {
            if (!exchange.TryTakeLocal(key, out var gradient) || gradient is null)
                throw new InvalidOperationException($"{sender} reported {what} done but its gradient {key} is not in the store");
            _average.Add(TensorCheck.Incoming(gradient, [count], $"the gradient of {sender} ({what})").Data, workers);
        }
        // A block copy into the gradients' memory, on the caller's thread.
        ParameterVector.AssignGradients(parameters, _average.Mean());
    }

    /// <summary>Drops what a failed attempt's workers had pushed already.</summary>
    public void Drop(IEnumerable<PushedGradient> pushed) => Drop(pushed.Select(p => p.Key));

    /// <summary>Drops what a failed attempt's workers had pushed already.</summary>
    public void Drop(IEnumerable<TensorKey> keys)
    {
        foreach (var key in keys) exchange.TryTakeLocal(key, out _);
    }
}

/// <summary>A tensor a step's workers push to the coordinator: one worker's gradient, or a gradient group's sum.</summary>
/// <param name="Key">Where it lands in the coordinator's store.</param>
/// <param name="Workers">Whose gradients it holds: 1, or the group's size.</param>
/// <param name="Sender">Who sends it, as errors name it ("worker 3", "gradient group 1").</param>
public sealed record PushedGradient(TensorKey Key, int Workers, string Sender);
