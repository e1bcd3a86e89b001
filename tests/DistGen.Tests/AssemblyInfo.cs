using System.Runtime.CompilerServices;

// libtorch's global generator, grad mode and thread count are process-wide; tests that train run one at a time
// so a seeded run sees exactly the random stream it would see alone.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace DistGen.Tests;

internal static class TestProcessSetup
{
    /// <summary>
    /// One libtorch intra-op thread for the whole test run: the tests' networks are small, and on a shared 2-core
    /// machine a second intra-op thread made a 10-second learning test take minutes (threads spin waiting on each other).
    /// </summary>
    [ModuleInitializer]
    internal static void UseOneTorchThread() => TorchSharp.torch.set_num_threads(1);
}
