using DistGen.Training.Core;
using DistGen.Training.Rl;

namespace DistGen.Tests.Training.Rl;

public sealed class VectorCartPoleTests
{
    private static int[] RandomActions(SplitMix64 random, int count) => Enumerable.Range(0, count).Select(_ => random.NextInt(2)).ToArray();

    private static List<float[]> Run(VectorCartPole envs, int steps, long actionSeed)
    {
        var random = new SplitMix64(actionSeed);
        var trace = new List<float[]> { envs.Started ? envs.CurrentObservations() : envs.Reset() };
        for (int t = 0; t < steps; t++)
        {
            var step = envs.Step(RandomActions(random, envs.Count));
            trace.Add(step.Observations);
            trace.Add(step.FinalObservations);
            trace.Add(step.Rewards);
        }
        return trace;
    }

    [Fact]
    public void Same_seed_gives_bit_identical_trajectories_and_another_seed_does_not()
    {
        var a = Run(new VectorCartPole(4, 42), 300, 1);
        var b = Run(new VectorCartPole(4, 42), 300, 1);
        var c = Run(new VectorCartPole(4, 43), 300, 1);

        Assert.Equal(a, b);
        Assert.NotEqual(a[0], c[0]);
    }

    [Fact]
    public void Each_environment_gets_its_own_reset_stream()
    {
        var first = new VectorCartPole(3, 42).Reset();
        Assert.NotEqual(first[0..4], first[4..8]);
        Assert.NotEqual(first[4..8], first[8..12]);
        // Environment i's stream does not depend on how many environments there are.
        Assert.Equal(first[0..8], new VectorCartPole(2, 42).Reset());
    }

    [Fact]
    public void Autoreset_returns_the_final_observation_separately_and_the_reset_observation_next()
    {
        var envs = new VectorCartPole(2, 9);
        envs.Reset();
        VectorCartPoleStep step;
        int steps = 0;
        do
        {
            step = envs.Step([1, 1]); // always pushing right ends an episode within a few dozen steps
            steps++;
        } while (step.FinishedEpisodes.Count == 0);

        var episode = step.FinishedEpisodes[0];
        int e = episode.Env;
        Assert.True(step.Terminated[e]);
        Assert.Equal(1f, step.Rewards[e]);
        Assert.Equal(steps, episode.Length);
        Assert.Equal(steps, episode.Return);
        var final = step.FinalObservations.AsSpan(e * 4, 4).ToArray();
        var next = step.Observations.AsSpan(e * 4, 4).ToArray();
        Assert.True(Math.Abs(final[2]) > CartPole.ThetaThresholdRadians || Math.Abs(final[0]) > CartPole.XThreshold);
        Assert.All(next, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.Equal(next, envs.CurrentObservations().AsSpan(e * 4, 4).ToArray());
        Assert.Equal(1, envs.EpisodesFinished);
    }

    [Fact]
    public void Saved_state_restores_a_bit_exact_continuation()
    {
        var original = new VectorCartPole(3, 5);
        Run(original, 137, 2);
        var saved = original.SaveState();
        var expected = Run(original, 200, 3);

        var restored = new VectorCartPole(3, 999);
        restored.RestoreState(saved);
        var actual = Run(restored, 200, 3);

        Assert.Equal(expected, actual);
        Assert.Equal(original.EpisodesFinished, restored.EpisodesFinished);
    }
}
