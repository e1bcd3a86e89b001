using DistGen.Training.Core;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Stands in for a person: ranks K completions by a hidden rule's scores with Bradley-Terry noise. The ranking sorts
/// s_i + tau * G_i (best first) with G_i independent standard Gumbel draws; the difference of two Gumbels is logistic,
/// so every pair of the ranking is ordered exactly as P(a over b) = sigmoid((s_a - s_b) / tau). tau = 0 ranks by the
/// scores alone (ties in order of index). Draws come from one SplitMix64 stream per request id, so a labeling is
/// reproducible and does not depend on which other requests it labels.
/// </summary>
public sealed class SyntheticLabeler
{
    public SyntheticLabeler(IPreferenceRule rule, double temperature, long seed)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the labeler's noise temperature tau must be a finite number >= 0");
        Rule = rule;
        Temperature = temperature;
        Seed = seed;
    }

    public IPreferenceRule Rule { get; }

    /// <summary>tau of P(a over b) = sigmoid((s_a - s_b) / tau).</summary>
    public double Temperature { get; }

    public long Seed { get; }

    /// <summary>How this labeler signs its answers: "auto:RULE:tau=T:seed=S".</summary>
    public string Signature => FormattableString.Invariant($"auto:{Rule.Name}:tau={Temperature}:seed={Seed}");

    /// <summary>The indices of <paramref name="completions"/>, best first.</summary>
    public int[] Rank(string requestId, IReadOnlyList<string> completions)
    {
        var random = new SplitMix64(Seeding.Derive(Seed, $"label:{requestId}"));
        var noisy = new double[completions.Count];
        for (int i = 0; i < noisy.Length; i++) noisy[i] = Rule.Score(completions[i]) + Temperature * StandardGumbel(random);
        var order = Enumerable.Range(0, noisy.Length).ToArray();
        // Stable: equal noisy scores (only possible with tau = 0) keep the order of their indices.
        return order.OrderByDescending(i => noisy[i]).ToArray();
    }

    /// <summary>The answer to a request, signed with <see cref="Signature"/>.</summary>
    public LabelAnswer Answer(LabelRequest request) => LabelAnswer.Ranked(request.Id, Rank(request.Id, request.Completions), Signature);

    // G = -ln(-ln U) with U uniform in (0, 1).
    private static double StandardGumbel(SplitMix64 random)
    {
        double u;
        do u = random.NextDouble(); while (u == 0);
        return -Math.Log(-Math.Log(u));
    }
}
