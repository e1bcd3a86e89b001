using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rl;

/// <summary>
/// Pins libtorch's intra-op threads for the calling test and restores them after. PPO's tiny MLP steps run ~50x slower
/// with 2 threads than with 1 on a loaded 2-core machine (threads spin waiting for each other), so the learning tests,
/// as callers, choose 1. The trainers themselves never set the thread count.
/// </summary>
internal sealed class TorchThreads : IDisposable
{
    private readonly int _previous = get_num_threads();

    public TorchThreads(int threads) => set_num_threads(threads);

    public void Dispose() => set_num_threads(_previous);
}
