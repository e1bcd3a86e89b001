using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace DistGen.Grains.Metrics;

/// <summary>
/// The training side of a silo's metrics (meter <c>DistGen.Training</c>, exported at <c>/metrics</c>): rounds a job's
/// coordinator completed here and how long they took, the latest value of every figure a job reports (loss, quality,
/// samples/s, env steps/s, ...), takeovers, and the steps members computed on this silo. Histograms carry the family
/// only; a job's own series (counters, gauges) carry its id as <c>job_id</c> (Prometheus keeps <c>job</c> for the scrape
/// job), and its gauges leave when its runner stops here.
/// </summary>
public static class TrainingMeter
{
    public const string Name = "DistGen.Training";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Rounds = Meter.CreateCounter<long>("distgen.rounds", "{round}",
        "Rounds a job's coordinator completed on this silo");

    private static readonly Histogram<double> RoundDuration = Meter.CreateHistogram("distgen.round.duration", "s",
        "Wall time of one round, from the coordinator's orders to its result (checkpoint writes included)", null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });

    private static readonly Counter<long> Takeovers = Meter.CreateCounter<long>("distgen.takeovers", "{takeover}",
        "Runs a coordinator on this silo took over from another activation (its silo left or died)");

    private static readonly Counter<long> MemberSteps = Meter.CreateCounter<long>("distgen.member.steps", "{step}",
        "Orders members on this silo received (worker steps, GAN substeps, rollouts, by family and role)");

    private static readonly ConcurrentDictionary<string, JobFigures> Latest = new(StringComparer.Ordinal);

    static TrainingMeter()
    {
        Meter.CreateObservableGauge("distgen.job.round", () => Latest.Select(j => new Measurement<long>(j.Value.Round, JobTags(j.Key, j.Value))),
            "{round}", "The latest round a job completed (coordinator's silo)");
        Meter.CreateObservableGauge("distgen.job.rounds.planned", () => Latest.Select(j => new Measurement<long>(j.Value.Planned, JobTags(j.Key, j.Value))),
            "{round}", "The rounds a job runs in all");
        Meter.CreateObservableGauge("distgen.job.metric", ObserveFigures, null,
            "The latest value of each figure a job reports (label metric: e.g. train_loss, d_loss, mean_return_last_100, samples_per_s, env_steps_per_s)");
    }

    /// <summary>A round of <paramref name="job"/> completed on this silo, with the job's figures as they stand now.</summary>
    public static void RoundCompleted(string job, string family, long round, long planned, TimeSpan duration, IReadOnlyDictionary<string, double> figures)
    {
        var familyTag = new KeyValuePair<string, object?>("family", family);
        Rounds.Add(1, new KeyValuePair<string, object?>("job_id", job), familyTag);
        RoundDuration.Record(duration.TotalSeconds, familyTag);
        Latest[job] = new JobFigures(family, round, planned, figures.Where(f => double.IsFinite(f.Value)).ToDictionary());
    }

    /// <summary>The job's runner stopped on this silo (ended, handed over or superseded): its gauges go.</summary>
    public static void Forget(string job) => Latest.TryRemove(job, out _);

    public static void TookOver() => Takeovers.Add(1);

    public static void MemberStep(string family, string role) =>
        MemberSteps.Add(1, new KeyValuePair<string, object?>("family", family), new KeyValuePair<string, object?>("role", role));

    private static IEnumerable<Measurement<double>> ObserveFigures() =>
        Latest.SelectMany(j => j.Value.Figures.Select(f => new Measurement<double>(f.Value,
            [new("job_id", j.Key), new("family", j.Value.Family), new("metric", f.Key)])));

    private static KeyValuePair<string, object?>[] JobTags(string job, JobFigures figures) => [new("job_id", job), new("family", figures.Family)];

    private sealed record JobFigures(string Family, long Round, long Planned, IReadOnlyDictionary<string, double> Figures);
}
