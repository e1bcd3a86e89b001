namespace DistGen.Training.Rl;

/// <summary>
/// Puts several [T, E_i] rollouts side by side into one [T, sum E_i] batch (the learner's global batch). Every column
/// keeps its own next values, so GAE over the assembled batch equals GAE over each part: episodes never cross columns,
/// and an episode cut by the end of a rollout bootstraps from the value of the state the next rollout starts in.
/// </summary>
public static class TrajectoryAssembly
{
    public static TrajectoryBatch SideBySide(IReadOnlyList<TrajectoryBatch> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to assemble", nameof(parts));
        int steps = parts[0].Steps, obs = parts[0].ObservationSize;
        if (parts.Any(p => p.Steps != steps || p.ObservationSize != obs))
            throw new ArgumentException($"rollouts of different lengths or observation sizes cannot be assembled: [{string.Join(", ", parts.Select(p => $"{p.Steps}x{p.Envs}x{p.ObservationSize}"))}]");
        if (parts.Count == 1) return parts[0];
        var batch = new TrajectoryBatch(steps, parts.Sum(p => p.Envs), obs) { PolicyVersion = parts.Min(p => p.PolicyVersion) };
        int offset = 0;
        foreach (var part in parts)
        {
            for (int t = 0; t < steps; t++)
            {
                int from = t * part.Envs, to = t * batch.Envs + offset;
                part.Observations.AsSpan(from * obs, part.Envs * obs).CopyTo(batch.Observations.AsSpan(to * obs));
                part.Actions.AsSpan(from, part.Envs).CopyTo(batch.Actions.AsSpan(to));
                part.LogProbs.AsSpan(from, part.Envs).CopyTo(batch.LogProbs.AsSpan(to));
                part.Values.AsSpan(from, part.Envs).CopyTo(batch.Values.AsSpan(to));
                part.Rewards.AsSpan(from, part.Envs).CopyTo(batch.Rewards.AsSpan(to));
                part.Terminated.AsSpan(from, part.Envs).CopyTo(batch.Terminated.AsSpan(to));
                part.Truncated.AsSpan(from, part.Envs).CopyTo(batch.Truncated.AsSpan(to));
                part.NextValues.AsSpan(from, part.Envs).CopyTo(batch.NextValues.AsSpan(to));
            }
            batch.FinishedEpisodes.AddRange(part.FinishedEpisodes.Select(e => e with { Env = e.Env + offset }));
            offset += part.Envs;
        }
        return batch;
    }
}
