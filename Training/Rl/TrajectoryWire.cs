namespace DistGen.Training.Rl;

/// <summary>
/// A trajectory batch as one float32 tensor [T, E, 13] for the data plane: per transition the observation (4), action,
/// log pi_old(a|s), V_old(s), reward, terminated, truncated, V_old(s') and, where an episode ended, its return and
/// length (0 elsewhere). Actions, flags and lengths are small integers, exact in float32.
/// </summary>
public static class TrajectoryWire
{
    public const int ObservationSize = VectorCartPole.ObservationSize;
    private const int Action = ObservationSize, LogProb = Action + 1, Value = LogProb + 1, Reward = Value + 1,
        Terminated = Reward + 1, Truncated = Terminated + 1, NextValue = Truncated + 1, EpisodeReturn = NextValue + 1, EpisodeLength = EpisodeReturn + 1;

    /// <summary>Floats per transition.</summary>
    public const int Width = EpisodeLength + 1;

    public static (long[] Shape, float[] Data) Encode(TrajectoryBatch batch)
    {
        if (batch.ObservationSize != ObservationSize) throw new ArgumentException($"observations of {batch.ObservationSize} values; the wire carries {ObservationSize}");
        var data = new float[batch.Count * Width];
        for (int i = 0; i < batch.Count; i++)
        {
            var row = data.AsSpan(i * Width, Width);
            batch.Observations.AsSpan(i * ObservationSize, ObservationSize).CopyTo(row);
            row[Action] = batch.Actions[i];
            row[LogProb] = batch.LogProbs[i];
            row[Value] = batch.Values[i];
            row[Reward] = batch.Rewards[i];
            row[Terminated] = batch.Terminated[i] ? 1 : 0;
            row[Truncated] = batch.Truncated[i] ? 1 : 0;
            row[NextValue] = batch.NextValues[i];
        }
        // FinishedEpisodes are in step order; each ended on the first done step of its environment not yet claimed.
        var claimed = new HashSet<int>();
        foreach (var episode in batch.FinishedEpisodes)
        {
            int i = Enumerable.Range(0, batch.Steps).Select(t => t * batch.Envs + episode.Env)
                .First(k => (batch.Terminated[k] || batch.Truncated[k]) && claimed.Add(k));
            data[i * Width + EpisodeReturn] = (float)episode.Return;
            data[i * Width + EpisodeLength] = episode.Length;
        }
        return ([batch.Steps, batch.Envs, Width], data);
    }

    /// <summary>
    /// Reads a batch of the expected [<paramref name="steps"/>, <paramref name="envs"/>] shape, collected with policy
    /// <paramref name="policyVersion"/>; throws <see cref="InvalidTrajectoryException"/> when the tensor is not one.
    /// Finiteness and the version are the learner's to judge (<see cref="PpoLearner.Receive(TrajectoryBatch)"/>).
    /// </summary>
    public static TrajectoryBatch Decode(long[] shape, float[] data, int steps, int envs, long policyVersion)
    {
        if (shape.Length != 3 || shape[0] != steps || shape[1] != envs || shape[2] != Width || data.Length != (long)steps * envs * Width)
            throw new InvalidTrajectoryException(TrajectoryFault.InconsistentLengths,
                $"expected [{steps}, {envs}, {Width}] = {steps * envs * Width} floats, got [{string.Join(", ", shape)}] holding {data.Length}");
        var batch = new TrajectoryBatch(steps, envs, ObservationSize) { PolicyVersion = policyVersion };
        for (int i = 0; i < batch.Count; i++)
        {
            var row = data.AsSpan(i * Width, Width);
            row[..ObservationSize].CopyTo(batch.Observations.AsSpan(i * ObservationSize));
            batch.Actions[i] = WholeNumber(row[Action], 0, VectorCartPole.ActionCount - 1, "action", i);
            batch.LogProbs[i] = row[LogProb];
            batch.Values[i] = row[Value];
            batch.Rewards[i] = row[Reward];
            batch.Terminated[i] = WholeNumber(row[Terminated], 0, 1, "terminated flag", i) == 1;
            batch.Truncated[i] = WholeNumber(row[Truncated], 0, 1, "truncated flag", i) == 1;
            batch.NextValues[i] = row[NextValue];
            int length = WholeNumber(row[EpisodeLength], 0, int.MaxValue, "episode length", i);
            bool done = batch.Terminated[i] || batch.Truncated[i];
            if (done != length > 0)
                throw new InvalidTrajectoryException(TrajectoryFault.InconsistentLengths,
                    $"transition {i}: {(done ? "an episode ended without its record" : "an episode record without an end flag")}");
            if (done) batch.FinishedEpisodes.Add(new FinishedEpisode(i % envs, row[EpisodeReturn], length));
        }
        return batch;
    }

    private static int WholeNumber(float value, int min, int max, string what, int index) =>
        value >= min && value <= max && value == MathF.Floor(value) ? (int)value
            : throw new InvalidTrajectoryException(float.IsFinite(value) ? TrajectoryFault.MalformedValues : TrajectoryFault.NonFiniteValues,
                $"transition {index}: {what} {value} is not a whole number in [{min}, {max}]");
}
