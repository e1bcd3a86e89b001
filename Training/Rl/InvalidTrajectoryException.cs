namespace DistGen.Training.Rl;

/// <summary>Why a learner refused a trajectory batch.</summary>
public enum TrajectoryFault
{
    /// <summary>The arrays do not hold T*E transitions of the run's shape (or the episode records disagree with the end flags).</summary>
    InconsistentLengths,
    /// <summary>A reward, observation, log-probability or value is NaN or infinite.</summary>
    NonFiniteValues,
    /// <summary>An action outside the action space or an end flag that is not 0 or 1.</summary>
    MalformedValues,
    /// <summary>The batch claims a policy version the learner never published.</summary>
    UnknownPolicyVersion,
}

/// <summary>A trajectory batch the learner will not train on; the run goes on without it.</summary>
public sealed class InvalidTrajectoryException(TrajectoryFault fault, string message) : Exception($"{fault}: {message}")
{
    public TrajectoryFault Fault { get; } = fault;
}
