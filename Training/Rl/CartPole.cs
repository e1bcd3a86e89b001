using DistGen.Training.Core;

namespace DistGen.Training.Rl;

/// <summary>
/// CartPole-v1 with the semantics of Gymnasium 1.4.0 (classic control <c>CartPoleEnv</c> wrapped in <c>TimeLimit(500)</c>):
/// explicit Euler integration in float64, float32 observations, reward 1 per step, termination at |x| &gt; 2.4 or
/// |theta| &gt; 12 degrees, truncation after 500 steps. Action 0 pushes left, action 1 pushes right.
/// </summary>
public sealed class CartPole
{
    public const double Gravity = 9.8;
    public const double MassCart = 1.0;
    public const double MassPole = 0.1;
    public const double TotalMass = MassPole + MassCart;
    /// <summary>Half the pole's length, as in Gymnasium.</summary>
    public const double Length = 0.5;
    public const double PoleMassLength = MassPole * Length;
    public const double ForceMagnitude = 10.0;
    /// <summary>Seconds between state updates.</summary>
    public const double Tau = 0.02;
    public const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;
    public const double XThreshold = 2.4;
    /// <summary>Episode length at which CartPole-v1's TimeLimit truncates.</summary>
    public const int MaxEpisodeSteps = 500;
    public const int ActionCount = 2;
    /// <summary>Resets draw every state value uniformly from [-ResetBound, ResetBound).</summary>
    public const double ResetBound = 0.05;

    private bool _needsReset = true;

    /// <summary>The current float64 state; setting it starts stepping from exactly that state.</summary>
    public CartPoleState State { get; private set; }

    /// <summary>Steps taken in the current episode (the TimeLimit counter).</summary>
    public int ElapsedSteps { get; private set; }

    /// <summary>Starts a new episode from a state drawn uniformly from [-0.05, 0.05) in each of the four values.</summary>
    public CartPoleState Reset(SplitMix64 random)
    {
        var state = new CartPoleState(
            random.NextDouble(-ResetBound, ResetBound), random.NextDouble(-ResetBound, ResetBound),
            random.NextDouble(-ResetBound, ResetBound), random.NextDouble(-ResetBound, ResetBound));
        SetState(state);
        return state;
    }

    /// <summary>Puts the environment into an exact state, with <paramref name="elapsedSteps"/> steps already taken in the episode.</summary>
    public void SetState(CartPoleState state, int elapsedSteps = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsedSteps);
        State = state;
        ElapsedSteps = elapsedSteps;
        _needsReset = false;
    }

    /// <summary>Applies one action for <see cref="Tau"/> seconds. After a terminated or truncated step, call Reset or SetState first.</summary>
    public CartPoleTransition Step(int action)
    {
        if (action is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(action), action, "CartPole actions are 0 (push left) and 1 (push right)");
        if (_needsReset) throw new InvalidOperationException("the episode has ended (or never started); call Reset or SetState before Step");
        State = Advance(State, action);
        ElapsedSteps++;
        bool terminated = IsTerminal(State);
        bool truncated = ElapsedSteps >= MaxEpisodeSteps;
        _needsReset = terminated || truncated;
        return new CartPoleTransition(State, 1.0, terminated, truncated);
    }

    /// <summary>The physics of one step, in Gymnasium's order of floating-point operations.</summary>
    public static CartPoleState Advance(CartPoleState s, int action)
    {
        double force = action == 1 ? ForceMagnitude : -ForceMagnitude;
        double cosTheta = Math.Cos(s.Theta);
        double sinTheta = Math.Sin(s.Theta);
        // temp = (F + m_p*l*theta_dot^2*sin(theta)) / (m_c + m_p)
        double temp = (force + PoleMassLength * (s.ThetaDot * s.ThetaDot) * sinTheta) / TotalMass;
        // theta_acc = (g*sin(theta) - cos(theta)*temp) / (l*(4/3 - m_p*cos(theta)^2/(m_c + m_p)))
        double thetaAcc = (Gravity * sinTheta - cosTheta * temp) / (Length * (4.0 / 3.0 - MassPole * (cosTheta * cosTheta) / TotalMass));
        // x_acc = temp - m_p*l*theta_acc*cos(theta)/(m_c + m_p)
        double xAcc = temp - PoleMassLength * thetaAcc * cosTheta / TotalMass;
        // Explicit Euler: positions move with the velocities from before this step.
        return new CartPoleState(
            s.X + Tau * s.XDot,
            s.XDot + Tau * xAcc,
            s.Theta + Tau * s.ThetaDot,
            s.ThetaDot + Tau * thetaAcc);
    }

    /// <summary>True when the cart left [-2.4, 2.4] or the pole tilted beyond 12 degrees either way.</summary>
    public static bool IsTerminal(CartPoleState s) =>
        s.X < -XThreshold || s.X > XThreshold || s.Theta < -ThetaThresholdRadians || s.Theta > ThetaThresholdRadians;
}
