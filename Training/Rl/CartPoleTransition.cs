namespace DistGen.Training.Rl;

/// <summary>What one CartPole step returns: the next state, the reward and Gymnasium's two end-of-episode flags.</summary>
/// <param name="State">The state after the step (the final state when the episode ended).</param>
/// <param name="Reward">1.0 on every step, including the terminating one.</param>
/// <param name="Terminated">The pole fell or the cart left the track: the MDP ended, there is nothing to bootstrap.</param>
/// <param name="Truncated">The time limit cut the episode: the MDP goes on, so a learner bootstraps from <paramref name="State"/>.</param>
public readonly record struct CartPoleTransition(CartPoleState State, double Reward, bool Terminated, bool Truncated)
{
    public bool Done => Terminated || Truncated;
}
