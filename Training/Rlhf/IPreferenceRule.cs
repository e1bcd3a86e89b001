namespace DistGen.Training.Rlhf;

/// <summary>
/// A documented, deterministic score of a completion: what the synthetic labeler prefers (with noise), and the
/// noise-free judge of the reward model's accuracy and of the policy's win rate. Higher is better.
/// </summary>
public interface IPreferenceRule
{
    /// <summary>The name specs and <c>distgen label --auto</c> use.</summary>
    string Name { get; }

    /// <summary>One line on what the rule rewards, for help texts and the README.</summary>
    string Description { get; }

    /// <summary>The score of <paramref name="completion"/> (the generated text only, not its prompt).</summary>
    double Score(string completion);
}
