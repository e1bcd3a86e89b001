using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DistGen.Training.Core;

/// <summary>
/// Adam (Kingma and Ba 2015), with decoupled weight decay per parameter where asked (AdamW, Loshchilov and Hutter 2019).
/// The arithmetic is TorchSharp's <c>Adam</c>/<c>AdamW</c> step, operation for operation (so results are bit-identical),
/// with every number handed to libtorch as a Scalar kept alive across the call (<see cref="Scalars"/>): TorchSharp's own
/// optimizers make temporary Scalars that a garbage collection may free mid-step.
/// </summary>
public sealed class AdamOptimizer : IDisposable
{
    private const string StateTag = "adam-v1";
    private readonly Slot[] _slots;
    private readonly double _beta1, _beta2;
    private readonly Scalar _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _epsilon;

    /// <param name="parameters">Each parameter with its decoupled weight decay (0: plain Adam for that parameter).</param>
    /// <param name="learningRate">Initial learning rate; schedules set <see cref="LearningRate"/> before each step.</param>
    /// <param name="beta1">Decay of the first moment m.</param>
    /// <param name="beta2">Decay of the second moment v.</param>
    /// <param name="epsilon">Added to sqrt(v̂) in the denominator.</param>
    public AdamOptimizer(IEnumerable<(Parameter Parameter, double WeightDecay)> parameters, double learningRate,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        LearningRate = learningRate;
        (_beta1, _beta2) = (beta1, beta2);
        (_beta1Scalar, _oneMinusBeta1) = (Scalars.Constant(beta1), Scalars.Constant(1 - beta1));
        (_beta2Scalar, _oneMinusBeta2) = (Scalars.Constant(beta2), Scalars.Constant(1 - beta2));
        _epsilon = Scalars.Constant(epsilon);
        using var scope = NewDisposeScope();
        _slots = parameters.Select(p => new Slot(p.Parameter, p.WeightDecay,
            zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope())).ToArray();
    }

    /// <summary>Plain Adam over <paramref name="parameters"/> (no weight decay).</summary>
    public static AdamOptimizer Adam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8) =>
        new(parameters.Select(p => (p, 0.0)), learningRate, beta1, beta2, epsilon);

    /// <summary>The rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    /// <summary>
    /// One update with the gradients now in the parameters (a parameter without a gradient is left alone):
    /// m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  θ ← θ·(1 - lr·λ) - lr/(1-β1ᵗ) · m / (sqrt(v)/sqrt(1-β2ᵗ) + ε).
    /// </summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double lr = LearningRate;
        foreach (var slot in _slots)
        {
            var grad = slot.Parameter.grad;
            if (grad is null) continue;
            slot.Steps++;
            if (slot.WeightDecay != 0)
            {
                using var decay = Scalars.Owned(1 - lr * slot.WeightDecay);
                slot.Parameter.mul_(decay);
            }
            double biasCorrection1 = 1 - Math.Pow(_beta1, slot.Steps);
            double biasCorrection2 = 1 - Math.Pow(_beta2, slot.Steps);
            slot.ExpAvg.mul_(_beta1Scalar).add_(grad, _oneMinusBeta1);
            slot.ExpAvgSq.mul_(_beta2Scalar).addcmul_(grad, grad, _oneMinusBeta2);
            using var sqrtCorrection2 = Scalars.Owned(Math.Sqrt(biasCorrection2));
            using var stepSize = Scalars.Owned(-(lr / biasCorrection1));
            var denominator = slot.ExpAvgSq.sqrt().div(sqrtCorrection2).add_(_epsilon, Scalars.One);
            slot.Parameter.addcdiv_(slot.ExpAvg, denominator, stepSize);
        }
    }

    /// <summary>Clears the parameters' gradients.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var slot in _slots) slot.Parameter.grad?.zero_();
    }

    /// <summary>Writes the moments and step counts (the learning rate belongs to the caller's schedule).</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(StateTag);
        writer.Write(_slots.Length);
        foreach (var slot in _slots)
        {
            writer.Write(slot.Steps);
            slot.ExpAvg.Save(writer);
            slot.ExpAvgSq.Save(writer);
        }
    }

    /// <summary>Restores what <see cref="Save"/> wrote, into the existing moment tensors.</summary>
    public void Load(BinaryReader reader)
    {
        var tag = reader.ReadString();
        if (tag != StateTag) throw new InvalidDataException($"optimizer state '{tag}' is not Adam state ({StateTag})");
        int count = reader.ReadInt32();
        if (count != _slots.Length) throw new InvalidDataException($"optimizer state holds {count} parameters where {_slots.Length} were expected");
        foreach (var slot in _slots)
        {
            slot.Steps = reader.ReadInt64();
            slot.ExpAvg.Load(reader);
            slot.ExpAvgSq.Load(reader);
        }
    }

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
        }
    }

    private sealed class Slot(Parameter parameter, double weightDecay, Tensor expAvg, Tensor expAvgSq)
    {
        public Parameter Parameter { get; } = parameter;
        public double WeightDecay { get; } = weightDecay;
        public Tensor ExpAvg { get; } = expAvg;
        public Tensor ExpAvgSq { get; } = expAvgSq;
        public long Steps { get; set; }
    }
}
