namespace DistGen.Training.Rl;

/// <summary>The means of a PPO update's logged loss parts over its minibatch steps (what metrics.csv shows per update).</summary>
public sealed class SurrogateLossAverage
{
    private double _policyLoss, _valueLoss, _entropy, _approxKl, _clipFraction;
    private int _steps;

    public void Add(SurrogateLoss loss)
    {
        _policyLoss += loss.PolicyLoss;
        _valueLoss += loss.ValueLoss;
        _entropy += loss.Entropy;
        _approxKl += loss.ApproxKl;
        _clipFraction += loss.ClipFraction;
        _steps++;
    }

    public double PolicyLoss => _policyLoss / _steps;
    public double ValueLoss => _valueLoss / _steps;
    public double Entropy => _entropy / _steps;
    public double ApproxKl => _approxKl / _steps;
    public double ClipFraction => _clipFraction / _steps;
}
