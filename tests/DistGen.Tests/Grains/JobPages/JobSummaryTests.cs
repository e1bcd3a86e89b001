using DistGen.Contracts.Jobs;
using DistGen.Grains.JobPages;

namespace DistGen.Tests.Grains.JobPages;

public sealed class JobSummaryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static JobStatus Status(JobState state = JobState.Running, long round = 25, string? waiting = null) => new()
    {
        JobId = "gan-1", Name = "gan", Workload = "gan", State = state, Round = round, TotalRounds = 100, StartedAt = Start, SubmittedAt = Start,
        WaitingFor = waiting, CoordinatorSilo = "S127.0.0.1:1:1", WorkerSilos = ["S127.0.0.1:2:2", "S127.0.0.1:1:1"],
        Metrics = new Dictionary<string, double> { ["loss"] = 0.5, ["quality"] = double.NaN },
    };

    [Fact]
    public void The_ETA_is_the_rounds_left_at_the_pace_so_far()
    {
        // 25 rounds in 50 s: 75 left take 150 s.
        Assert.Equal(150, JobSummary.Eta(Status(), Start.AddSeconds(50)));
    }

    [Theory]
    [InlineData(JobState.Succeeded, 25, null)]
    [InlineData(JobState.Running, 0, null)]
    [InlineData(JobState.Running, 25, "labels")]
    public void There_is_no_ETA_before_the_first_round_while_waiting_for_a_person_or_after_the_end(JobState state, long round, string? waiting)
    {
        Assert.Null(JobSummary.Eta(Status(state, round, waiting), Start.AddSeconds(50)));
    }

    [Fact]
    public void The_summary_lists_each_silo_once_and_leaves_non_finite_figures_out()
    {
        var summary = JobSummary.Of(Status(), Start.AddSeconds(50));

        Assert.Equal(["S127.0.0.1:1:1", "S127.0.0.1:2:2"], summary.Silos);
        Assert.Equal(["loss"], summary.Figures.Keys);
        Assert.Equal(0.25, summary.Progress);
        Assert.Equal("running", summary.State);
    }
}
