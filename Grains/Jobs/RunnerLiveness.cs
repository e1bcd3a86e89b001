namespace DistGen.Grains.Jobs;

/// <summary>
/// How an activation that finds its job mid-run judges the runner named in the record: alive while its silo is still
/// up (running, or draining and about to hand over) and its heartbeat is more recent than Coordinator:RunnerSilentFor.
/// Only a runner that is not alive may be replaced, so the heartbeat, not the rounds, is what keeps a slow run single.
/// </summary>
public static class RunnerLiveness
{
    public static bool SiloIsUp(SiloStatus status) =>
        status is SiloStatus.Created or SiloStatus.Joining or SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Stopping;

    public static bool HeartbeatIsRecent(JobRecord record, DateTimeOffset now, CoordinatorOptions options) =>
        now - (record.HeartbeatAt ?? DateTimeOffset.MinValue) < options.RunnerSilentFor;
}
