using DistGen.Client;
using DistGen.Client.Commands;
using DistGen.Contracts.Jobs;
using DistGen.Training.Core;

namespace DistGen.Tests.Client;

/// <summary>The plain lines redirected output gets from <c>distgen run</c> and <c>distgen watch</c>, on a manual clock.</summary>
public sealed class ConsoleProgressTests
{
    private readonly StringWriter _output = new();
    private readonly ManualClock _clock = new();

    private string[] Lines => _output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private static TrainingProgress At(long step, long total, params (string Name, double Value)[] metrics) =>
        new(step, total, metrics.ToDictionary(m => m.Name, m => m.Value));

    [Fact]
    public void A_note_is_a_line_of_its_own_between_the_steps()
    {
        var progress = new ConsoleProgress("round", _output, _clock);
        progress.Report(At(0, 6));
        progress.Note("job-1: waiting-for-labels: waiting for labels: 0 of 24 requests of iteration 1 answered; rank them with `distgen label job-1`");
        progress.Report(At(6, 6));

        Assert.Equal(3, Lines.Length);
        Assert.StartsWith("job-1: waiting-for-labels: ", Lines[1]);
        Assert.StartsWith("round 6/6", Lines[2]);
    }

    [Fact]
    public void A_report_every_step_prints_the_first_one_then_a_line_per_5_percent_including_the_last()
    {
        var progress = new ConsoleProgress("step", _output, _clock);
        for (long step = 1; step <= 200; step++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            progress.Report(At(step, 200));
        }
        progress.Complete();

        var steps = Lines.Select(line => line.Split(' ')[1]).ToArray();
        Assert.Equal(["1/200", .. Enumerable.Range(1, 20).Select(twentieth => $"{twentieth * 10}/200")], steps);
        Assert.Equal("step 100/200 (50%)  elapsed 00:01:40  eta 00:01:40", Lines[10]);
        Assert.Equal("step 200/200 (100%)  elapsed 00:03:20  eta 00:00:00", Lines[^1]);
    }

    [Fact]
    public void The_first_line_has_no_estimate_and_later_ones_use_the_rate_since_the_first_report()
    {
        var progress = new ConsoleProgress("round", _output, _clock);
        _clock.Advance(TimeSpan.FromHours(1));
        progress.Report(At(500, 1000));
        _clock.Advance(TimeSpan.FromSeconds(50));
        progress.Report(At(550, 1000));

        // 50 rounds in 50 s since watching began, 450 to go; a day-long estimate keeps counting hours.
        Assert.Equal(["round 500/1000 (50%)  elapsed 01:00:00  eta --:--:--", "round 550/1000 (55%)  elapsed 01:00:50  eta 00:07:30"], Lines);
        _clock.Advance(TimeSpan.FromSeconds(150));
        progress.Report(At(551, 1000));
        _clock.Advance(TimeSpan.FromHours(30));
        progress.Report(At(600, 1000));
        Assert.EndsWith("eta 120:13:20", Lines[^1]);
    }

    [Fact]
    public void Metrics_are_printed_in_order_invariantly_without_nan_or_infinity_and_at_most_six()
    {
        var progress = new ConsoleProgress("step", _output, _clock);
        progress.Report(At(1, 10, ("loss", 0.123456), ("test_loss", double.NaN), ("samples_per_s", 12345.6), ("reward", -2500.4),
            ("gap", double.PositiveInfinity), ("kl", 1.5e-7), ("a", 1), ("b", 2), ("c", 3)));

        Assert.Equal("step 1/10 (10%)  loss 0.1235  samples_per_s 12346  reward -2500  kl 1.5E-07  a 1  b 2  elapsed 00:00:00  eta --:--:--",
            Assert.Single(Lines));
    }

    [Fact]
    public void Complete_prints_where_an_unfinished_run_stopped_once_and_a_repeated_poll_prints_nothing()
    {
        var progress = new ConsoleProgress("round", _output, _clock);
        progress.Report(At(0, 100));
        progress.Report(At(0, 100));
        progress.Report(At(3, 100, ("d_loss", 1.25)));
        progress.Complete();
        progress.Complete();

        Assert.Equal(["round 0/100 (0%)  elapsed 00:00:00  eta --:--:--", "round 3/100 (3%)  d_loss 1.25  elapsed 00:00:00  eta --:--:--"], Lines);
    }

    [Fact]
    public void Complete_after_the_last_step_adds_nothing_and_a_job_without_rounds_still_prints()
    {
        var finished = new ConsoleProgress("step", _output, _clock);
        finished.Report(At(4, 4));
        finished.Complete();
        var empty = new ConsoleProgress("round", _output, _clock);
        empty.Report(At(0, 0));
        empty.Complete();

        Assert.Equal(["step 4/4 (100%)  elapsed 00:00:00  eta 00:00:00", "round 0/0 (0%)  elapsed 00:00:00  eta 00:00:00"], Lines);
    }

    [Fact]
    public void A_watched_job_reports_its_round_and_headline_metrics_in_headline_order()
    {
        var status = new JobStatus
        {
            JobId = "j", Name = "n", Workload = "vae", State = JobState.Running, Round = 7, TotalRounds = 30,
            Metrics = new Dictionary<string, double> { ["samples_per_s"] = 900, ["initial_test_neg_elbo_nats"] = 549.8, ["train_neg_elbo"] = 300.5 },
        };
        var progress = new ConsoleProgress("round", _output, _clock);
        progress.Report(JobTable.Progress(status));

        Assert.Equal("round 7/30 (23%)  train_neg_elbo 300.5  samples_per_s 900  elapsed 00:00:00  eta --:--:--", Assert.Single(Lines));
    }

    [Fact]
    public void A_watched_rlhf_job_reports_its_reward_model_and_policy_figures()
    {
        var status = new JobStatus
        {
            JobId = "j", Name = "n", Workload = "rlhf", State = JobState.Running, Round = 400, TotalRounds = 475,
            Metrics = new Dictionary<string, double>
            {
                ["rm_loss"] = 0.6, ["rm_accuracy"] = 0.7, ["rm_score"] = 0.25, ["rule_score"] = -0.5, ["kl"] = 2.5, ["beta"] = 0.1,
                ["policy_lag_mean"] = 0,
            },
        };
        var progress = new ConsoleProgress("round", _output, _clock);
        progress.Report(JobTable.Progress(status));

        Assert.Equal("round 400/475 (84%)  rm_loss 0.6  rm_accuracy 0.7  rm_score 0.25  rule_score -0.5  kl 2.5  policy_lag_mean 0  elapsed 00:00:00  eta --:--:--",
            Assert.Single(Lines));
    }

    [Fact]
    public void Status_names_the_workers_silos_or_says_that_none_has_run_a_round_yet()
    {
        var waiting = new JobStatus { JobId = "j", Name = "n", Workload = "rlhf", State = JobState.Running, Workers = 2 };
        Assert.Equal("2 (no round run yet)", JobTable.WorkersLine(waiting));
        Assert.Equal("2 on S1, S2", JobTable.WorkersLine(waiting with { WorkerSilos = ["S1", "S2"] }));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
