using DistGen.Training.Core;
using DistGen.Training.Rl;

namespace DistGen.Tests.Training.Rl;

public sealed class CartPoleTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Step_right_from_a_set_state_matches_the_hand_computed_euler_update()
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(0.1, -0.2, 0.05, 0.3));

        var next = env.Step(1).State;

        // cos(0.05) = 0.9987502603949663, sin(0.05) = 0.04997916927067833, F = +10
        // temp      = (10 + 0.05*0.3^2*sin)/1.1                              = 9.091113551147014
        // theta_acc = (9.8*sin - cos*temp)/(0.5*(4/3 - 0.1*cos^2/1.1))       = -13.825207424073673
        // x_acc     = temp - 0.05*theta_acc*cos/1.1                           = 9.718746710911015
        // x' = 0.1 + 0.02*(-0.2) = 0.096;  x_dot' = -0.2 + 0.02*x_acc = -0.005625065781779709
        // theta' = 0.05 + 0.02*0.3 = 0.056; theta_dot' = 0.3 + 0.02*theta_acc = 0.02349585151852651
        Assert.Equal(0.096, next.X, Tolerance);
        Assert.Equal(-0.005625065781779709, next.XDot, Tolerance);
        Assert.Equal(0.056, next.Theta, Tolerance);
        Assert.Equal(0.02349585151852651, next.ThetaDot, Tolerance);
    }

    [Fact]
    public void Step_left_from_a_set_state_matches_the_hand_computed_euler_update()
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(-0.3, 0.5, -0.1, -0.4));

        var next = env.Step(0).State;

        // cos(-0.1) = 0.9950041652780258, sin(-0.1) = -0.09983341664682815, F = -10
        // temp      = (-10 + 0.05*0.16*sin)/1.1                              = -9.091635152121068
        // theta_acc = (9.8*sin - cos*temp)/(0.5*(4/3 - 0.1*cos^2/1.1))       = 12.977802144043725
        // x_acc     = temp - 0.05*theta_acc*cos/1.1                           = -9.678588206188232
        // x' = -0.3 + 0.02*0.5 = -0.29;      x_dot' = 0.5 + 0.02*x_acc = 0.30642823587623536
        // theta' = -0.1 + 0.02*(-0.4) = -0.108; theta_dot' = -0.4 + 0.02*theta_acc = -0.1404439571191255
        Assert.Equal(-0.29, next.X, Tolerance);
        Assert.Equal(0.30642823587623536, next.XDot, Tolerance);
        Assert.Equal(-0.108, next.Theta, Tolerance);
        Assert.Equal(-0.1404439571191255, next.ThetaDot, Tolerance);
    }

    [Theory]
    [InlineData(2.39, 1.0, 0.0, 0.0, true)]     // x' = 2.41 > 2.4
    [InlineData(2.37, 1.0, 0.0, 0.0, false)]    // x' = 2.39
    [InlineData(-2.39, -1.0, 0.0, 0.0, true)]   // x' = -2.41 < -2.4
    [InlineData(0.0, 0.0, 0.2, 0.5, true)]      // theta' = 0.21 > 12 deg = 0.20943951023931953
    [InlineData(0.0, 0.0, 0.2, 0.4, false)]     // theta' = 0.208
    [InlineData(0.0, 0.0, -0.2, -0.5, true)]    // theta' = -0.21
    [InlineData(0.0, 0.0, -0.2, -0.4, false)]   // theta' = -0.208
    public void Terminates_when_the_cart_leaves_the_track_or_the_pole_tilts_past_12_degrees(double x, double xDot, double theta, double thetaDot, bool expected)
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(x, xDot, theta, thetaDot));

        var transition = env.Step(1);

        Assert.Equal(expected, transition.Terminated);
        Assert.False(transition.Truncated);
    }

    [Fact]
    public void Theta_threshold_is_twelve_degrees_in_radians()
    {
        Assert.Equal(0.20943951023931953, CartPole.ThetaThresholdRadians, Tolerance);
    }

    [Fact]
    public void Reward_is_one_on_every_step_including_the_terminating_one()
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(0, 0, 0.15, 0.5));
        var rewards = new List<double>();
        CartPoleTransition transition;
        do
        {
            transition = env.Step(1);
            rewards.Add(transition.Reward);
        } while (!transition.Done);

        Assert.True(transition.Terminated);
        Assert.True(rewards.Count > 1);
        Assert.All(rewards, r => Assert.Equal(1.0, r));
    }

    [Fact]
    public void Truncates_on_the_500th_step_of_a_balanced_episode()
    {
        var env = new CartPole();
        env.Reset(new SplitMix64(7));
        for (int step = 1; step <= CartPole.MaxEpisodeSteps; step++)
        {
            var s = env.State;
            // A linear balancing controller that keeps the pole up for well over 500 steps.
            int action = 0.05 * s.X + 0.1 * s.XDot + s.Theta + 0.5 * s.ThetaDot > 0 ? 1 : 0;
            var transition = env.Step(action);
            Assert.False(transition.Terminated);
            Assert.Equal(step == 500, transition.Truncated);
        }
        Assert.Equal(500, env.ElapsedSteps);
    }

    [Fact]
    public void Truncation_and_termination_can_coincide_on_the_last_step()
    {
        var env = new CartPole();
        env.SetState(new CartPoleState(2.39, 1.0, 0, 0), elapsedSteps: 499);

        var transition = env.Step(1);

        Assert.True(transition.Terminated);
        Assert.True(transition.Truncated);
    }

    [Fact]
    public void Stepping_after_the_episode_ended_requires_a_reset()
    {
        var env = new CartPole();
        Assert.Throws<InvalidOperationException>(() => env.Step(0));
        env.SetState(new CartPoleState(2.39, 1.0, 0, 0));
        Assert.True(env.Step(1).Terminated);
        Assert.Throws<InvalidOperationException>(() => env.Step(1));
        env.Reset(new SplitMix64(1));
        Assert.False(env.Step(1).Done);
    }

    [Fact]
    public void Reset_draws_every_state_value_from_plus_minus_0_05()
    {
        var env = new CartPole();
        var random = new SplitMix64(3);
        var values = Enumerable.Range(0, 1000).SelectMany(_ =>
        {
            var s = env.Reset(random);
            return new[] { s.X, s.XDot, s.Theta, s.ThetaDot };
        }).ToList();

        Assert.All(values, v => Assert.InRange(v, -0.05, 0.05));
        Assert.True(values.Min() < -0.049 && values.Max() > 0.049);
        Assert.Equal(0, env.ElapsedSteps);
    }

    [Fact]
    public void Observation_is_the_float64_state_rounded_to_float32()
    {
        var state = new CartPoleState(0.1, -0.2, 0.05, 1.0 / 3.0);
        Assert.Equal(new[] { 0.1f, -0.2f, 0.05f, 1f / 3f }, state.ToObservation());
    }
}
