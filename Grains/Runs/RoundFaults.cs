using DistGen.Grains.DataPlane;

namespace DistGen.Grains.Runs;

/// <summary>
/// A job's count of repeated round attempts (and of those, the ones a refused tensor failed), kept by its runner across
/// the rounds and, through the job record, across takeovers; status and the job page show them. Thread-safe: a run's
/// attempts may fail on any thread.
/// </summary>
public sealed class RoundFaults(long repeated = 0, long refused = 0)
{
    private long _repeated = repeated;
    private long _refused = refused;

    public long RepeatedAttempts => Interlocked.Read(ref _repeated);

    public long RefusedTensors => Interlocked.Read(ref _refused);

    /// <summary>Counts a failed attempt that will be repeated (or ends the job), by its cause.</summary>
    public void Failed(Exception attempt)
    {
        Interlocked.Increment(ref _repeated);
        if (IsRefusedTensor(attempt)) Interlocked.Increment(ref _refused);
    }

    /// <summary>Whether a refused tensor caused <paramref name="e"/>, also when it came back from another silo inside grain-call exceptions.</summary>
    public static bool IsRefusedTensor(Exception e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is RefusedTensorException) return true;
            if (cause is AggregateException many && many.InnerExceptions.Any(IsRefusedTensor)) return true;
        }
        return false;
    }
}
