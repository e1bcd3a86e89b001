namespace DistGen.Training.Rl;

/// <summary>The exact float64 state of CartPole: cart position and velocity, pole angle (radians, 0 = upright) and angular velocity.</summary>
public readonly record struct CartPoleState(double X, double XDot, double Theta, double ThetaDot)
{
    /// <summary>Number of values in an observation.</summary>
    public const int Size = 4;

    /// <summary>Writes the observation Gymnasium returns: the state rounded to float32, in the order (x, x_dot, theta, theta_dot).</summary>
    public void WriteObservation(Span<float> destination)
    {
        destination[0] = (float)X;
        destination[1] = (float)XDot;
        destination[2] = (float)Theta;
        destination[3] = (float)ThetaDot;
    }

    public float[] ToObservation()
    {
        var observation = new float[Size];
        WriteObservation(observation);
        return observation;
    }
}
