namespace DistGen.Training.Core;

/// <summary>
/// A workload the cluster runs as numbered rounds (data-parallel VAE and char-LM, the split GAN, PPO): what a
/// coordinator needs to know about it before it builds anything.
/// </summary>
public interface IRoundWorkload
{
    string Name { get; }
    /// <summary>Worker grains of the job (per role, where there are roles).</summary>
    int Workers { get; }
    /// <summary>Rounds of the run: one optimizer step each (one generator step for a GAN, one policy version for PPO).</summary>
    int Rounds { get; }
    /// <summary>Checkpoint every this many rounds (0: only at the end).</summary>
    int CheckpointEvery { get; }
}
