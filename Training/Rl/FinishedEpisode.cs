namespace DistGen.Training.Rl;

/// <summary>An episode that ended: which environment ran it, its undiscounted return and its length in steps.</summary>
public readonly record struct FinishedEpisode(int Env, double Return, int Length);
