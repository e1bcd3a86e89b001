using TorchSharp;

namespace DistGen.Training.Language;

/// <summary>
/// Puts a module in evaluation mode (no dropout) for a <c>using</c> block and restores its previous mode afterwards,
/// so evaluating or sampling in the middle of training leaves the module as it was.
/// </summary>
public sealed class EvaluationMode : IDisposable
{
    private readonly torch.nn.Module _module;
    private readonly bool _wasTraining;

    private EvaluationMode(torch.nn.Module module)
    {
        _module = module;
        _wasTraining = module.training;
        module.eval();
    }

    public static EvaluationMode Enter(torch.nn.Module module) => new(module);

    public void Dispose() => _module.train(_wasTraining);
}
