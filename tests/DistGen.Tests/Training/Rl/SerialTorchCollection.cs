namespace DistGen.Tests.Training.Rl;

/// <summary>
/// Tests that seed libtorch's global generator or pin its process-wide thread count run in this collection, which xunit
/// runs alone, so no test elsewhere in the assembly reseeds or rethreads libtorch under them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchCollection
{
    public const string Name = "Rl: libtorch global state";
}
