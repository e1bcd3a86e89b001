using DistGen.Contracts.Jobs;

namespace DistGen.Grains.JobPages;

/// <summary>
/// A job as the pages show it: its status in JSON-friendly form, with its progress, an ETA and the silos it runs on.
/// Non-finite figures are left out (JSON has no NaN).
/// </summary>
public sealed record JobSummary(
    string JobId,
    string Name,
    string Family,
    string State,
    long Round,
    long TotalRounds,
    double Progress,
    double? EtaSeconds,
    string[] Silos,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? FinishedAt,
    string? Message,
    int Takeovers,
    long? ContinuedFromRound,
    long RepeatedAttempts,
    long RefusedTensors,
    int Workers,
    string? CoordinatorSilo,
    string? CoordinatorDevice,
    MemberDevice[] Members,
    IReadOnlyDictionary<string, double> Figures,
    bool Finished)
{
    public static JobSummary Of(JobStatus status, DateTimeOffset now) => new(
        status.JobId,
        status.Name,
        status.Workload,
        status.StateName,
        status.Round,
        status.TotalRounds,
        status.TotalRounds > 0 ? Math.Clamp((double)status.Round / status.TotalRounds, 0, 1) : 0,
        Eta(status, now),
        SilosOf(status),
        status.SubmittedAt,
        status.FinishedAt,
        status.Message,
        status.Takeovers,
        status.ContinuedFromRound,
        status.RepeatedAttempts,
        status.RefusedTensors,
        status.Workers,
        status.CoordinatorSilo,
        status.CoordinatorDevice,
        [.. status.Members],
        status.Metrics.Where(m => double.IsFinite(m.Value)).OrderBy(m => m.Key, StringComparer.Ordinal).ToDictionary(),
        status.IsFinished);

    /// <summary>
    /// Seconds left at the job's average pace so far: the rounds still to run times the time per round since it started.
    /// Null while there is no pace to go by (no round yet), while it waits for a person, and once it has ended.
    /// </summary>
    public static double? Eta(JobStatus status, DateTimeOffset now)
    {
        if (status.State != JobState.Running || status.WaitingFor is not null || status.Round <= 0 || status.StartedAt is not { } started) return null;
        double elapsed = (now - started).TotalSeconds;
        if (elapsed <= 0) return null;
        return Math.Max(0, status.TotalRounds - status.Round) * elapsed / status.Round;
    }

    // The silos of the coordinator and of the workers that computed the latest round, each once, by their address.
    private static string[] SilosOf(JobStatus status) =>
        new[] { status.CoordinatorSilo }.Concat(status.WorkerSilos).Concat(status.Members.Select(m => m.Silo))
            .OfType<string>().Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
