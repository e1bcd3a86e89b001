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
    public void AverageInto(IReadOnlyList<Parameter> parameters, IReadOnlyList<TensorKey> keys, string what)
    {
        long count = ParameterVector.Count(parameters);
        if (_average?.Length != count) _average = new GradientAverage(checked((int)count));
        else _average.Reset();
        for (int w = 0; w < keys.Count; w++)
        {
            if (!exchange.TryTakeLocal(keys[w], out var gradient) || gradient is null)
                throw new InvalidOperationException($"worker {w} reported {what} done but its gradient {keys[w]} is not in the store");
            _average.Add(TensorCheck.Incoming(gradient, [count], $"the gradient of worker {w} ({what})").Data);
        }
        // A block copy into the gradients' memory, on the caller's thread.
        ParameterVector.AssignGradients(parameters, _average.Mean());
    }

    /// <summary>Drops what a failed attempt's workers had pushed already.</summary>
    public void Drop(IEnumerable<TensorKey> keys)
    {
        foreach (var key in keys) exchange.TryTakeLocal(key, out _);
    }
}
