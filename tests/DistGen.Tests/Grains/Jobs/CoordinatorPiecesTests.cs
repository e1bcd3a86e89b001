using DistGen.Grains.Jobs;
using DistGen.Training.Core;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>The coordinator's small parts: its phase table, the takeover limit, the run folder's lease fence, job ids.</summary>
public sealed class CoordinatorPiecesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-coordinator-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_phases_allow_only_the_documented_moves()
    {
        var phases = new CoordinatorPhases();
        phases.MoveTo(CoordinatorPhase.Starting);
        phases.MoveTo(CoordinatorPhase.Running);
        Assert.True(phases.HoldsRun);
        phases.MoveTo(CoordinatorPhase.Superseded);
        Assert.False(phases.HoldsRun);
        // A superseded runner never runs again in this activation, and an ended job never starts again.
        Assert.Throws<InvalidOperationException>(() => phases.MoveTo(CoordinatorPhase.Running));
        Assert.False(CoordinatorPhases.IsAllowed(CoordinatorPhase.Ended, CoordinatorPhase.Starting));
        Assert.False(CoordinatorPhases.IsAllowed(CoordinatorPhase.Mirroring, CoordinatorPhase.Running));
        Assert.All(Enum.GetValues<CoordinatorPhase>(), from => Assert.False(CoordinatorPhases.IsAllowed(from, CoordinatorPhase.Running) && from != CoordinatorPhase.Starting));
    }

    [Fact]
    public void Takeovers_in_a_row_without_progress_wait_longer_each_time_and_the_one_past_the_limit_is_refused()
    {
        var options = new CoordinatorOptions { MaxTakeoversWithoutProgress = 3, TakeoverDelay = TimeSpan.FromSeconds(2), MaxTakeoverDelay = TimeSpan.FromSeconds(5) };
        var record = new JobRecord { Round = 40, RoundAtLastTakeover = 0, RunnerSilo = "S127.0.0.1:11111:1" };
        var decisions = new List<TakeoverDecision>();
        for (int i = 0; i < 4; i++)
        {
            var next = TakeoverPolicy.Next(record, options);
            decisions.Add(next);
            (record.TakeoversWithoutProgress, record.RoundAtLastTakeover) = (next.InARow, record.Round);
        }
        Assert.Equal([1, 2, 3, 4], decisions.Select(d => d.InARow));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)], decisions.Select(d => d.Delay));
        Assert.Equal([false, false, false, true], decisions.Select(d => d.Refused));

        // A round completed since the last takeover: counting starts afresh.
        record.Round = 41;
        Assert.Equal(new TakeoverDecision(1, false, TimeSpan.Zero), TakeoverPolicy.Next(record, options));
    }

    [Fact]
    public void A_run_handed_over_cleanly_is_taken_over_at_once_but_still_counts()
    {
        var options = new CoordinatorOptions { MaxTakeoversWithoutProgress = 2, TakeoverDelay = TimeSpan.FromSeconds(2) };
        // Handed over (no runner named) after its last round, twice already without progress.
        var record = new JobRecord { Round = 400, TotalRounds = 400, RoundAtLastTakeover = 400, TakeoversWithoutProgress = 1, RunnerSilo = null };
        Assert.Equal(new TakeoverDecision(2, false, TimeSpan.Zero), TakeoverPolicy.Next(record, options));
        // One too many is refused whether its runner crashed or handed over: clean restarts in a loop end the job too.
        record.TakeoversWithoutProgress = 2;
        Assert.Equal(new TakeoverDecision(3, true, TimeSpan.Zero), TakeoverPolicy.Next(record, options));
        record.RunnerSilo = "S127.0.0.1:11111:1";
        Assert.Equal(new TakeoverDecision(3, true, TimeSpan.FromSeconds(4)), TakeoverPolicy.Next(record, options));
    }

    [Fact]
    public void A_runner_whose_lease_was_taken_over_is_refused_every_write_and_never_rewrites_the_lease()
    {
        var old = new JobLeaseFence(_folder, 3);
        old.Claim();
        old.ThrowIfSuperseded("metrics.csv");

        var next = new JobLeaseFence(_folder, 4);
        next.Claim();
        next.ThrowIfSuperseded("metrics.csv");
        var refused = Assert.Throws<SupersededRunException>(() => old.ThrowIfSuperseded("checkpoint.bin"));
        Assert.Contains("lease 4 holds the run now", refused.Message);
        Assert.Contains("checkpoint.bin not written", refused.Message);
        Assert.Equal("4", File.ReadAllText(Path.Combine(_folder, JobLeaseFence.FileName)));
        // Once superseded, always superseded, even if the file were rolled back.
        File.WriteAllText(Path.Combine(_folder, JobLeaseFence.FileName), "3");
        Assert.Throws<SupersededRunException>(() => old.ThrowIfSuperseded("samples.png"));
    }

    [Fact]
    public void A_run_folder_that_cannot_be_claimed_fails_with_its_path()
    {
        var blocked = Path.Combine(_folder, "a-file");
        File.WriteAllText(blocked, "not a folder");
        var error = Assert.Throws<ArtifactWriteException>(() => new JobLeaseFence(blocked, 1).Claim());
        Assert.Contains(blocked, error.Message);
    }

    [Fact]
    public void A_run_folder_replaced_by_a_file_mid_run_fails_with_its_path_and_is_not_taken_for_a_takeover()
    {
        var folder = Path.Combine(_folder, "run");
        var fence = new JobLeaseFence(folder, 1);
        fence.Claim();
        Directory.Move(folder, folder + ".aside");
        File.WriteAllText(folder, "in the way");

        var error = Assert.Throws<ArtifactWriteException>(() => fence.ThrowIfSuperseded("metrics.csv"));
        Assert.Contains(folder, error.Message);
        // A lease file gone from a folder that is still there remains a takeover in progress (a claim makes the folder first).
        File.Delete(folder);
        Directory.Move(folder + ".aside", folder);
        File.Delete(Path.Combine(folder, JobLeaseFence.FileName));
        Assert.Throws<SupersededRunException>(() => fence.ThrowIfSuperseded("metrics.csv"));
    }

    [Fact]
    public void A_takeover_between_the_fence_check_and_the_rename_is_reported_right_after_the_rename()
    {
        var old = new JobLeaseFence(_folder, 1);
        old.Claim();
        var next = new JobLeaseFence(_folder, 2);
        var run = new RunContext(_folder, 1, TorchSharp.torch.CPU, Fence: new TakenOverAfterTheCheck(old, next));

        var refused = Assert.Throws<SupersededRunException>(() => run.WriteArtifact("summary.json", path => File.WriteAllText(path, "old runner")));
        // The window the fence cannot close (docs/architecture.md): the rename landed, and the stale runner says so and stops.
        Assert.Equal("old runner", File.ReadAllText(Path.Combine(_folder, "summary.json")));
        Assert.Contains("while it wrote summary.json", refused.Message);
        Assert.Contains("lease 2 holds the run now", refused.Message);
        Assert.Throws<SupersededRunException>(() => old.ThrowIfSuperseded("checkpoint.bin"));
        // The new runner's next write of the file puts it right.
        new RunContext(_folder, 1, TorchSharp.torch.CPU, Fence: next).WriteArtifact("summary.json", path => File.WriteAllText(path, "new runner"));
        Assert.Equal("new runner", File.ReadAllText(Path.Combine(_folder, "summary.json")));
    }

    /// <summary>The old runner's fence, with the new runner's claim landing right after the check passes: a freeze in the window.</summary>
    private sealed class TakenOverAfterTheCheck(JobLeaseFence old, JobLeaseFence next) : IArtifactFence
    {
        public string WriterId => old.WriterId;

        public void ThrowIfSuperseded(string artifact)
        {
            old.ThrowIfSuperseded(artifact);
            next.Claim();
        }

        public void ThrowIfSupersededWhileWriting(string artifact) => old.ThrowIfSupersededWhileWriting(artifact);
    }

    [Fact]
    public void Job_ids_of_one_name_and_second_do_not_collide()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 20_000).Select(_ => JobIds.New("same-name", now)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^same-name-[0-9]{8}-[0-9]{6}-[0-9a-f]{12}$", id));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc")]
    [InlineData("./victim")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public void A_job_id_that_is_not_a_plain_folder_name_gets_no_run_folder(string jobId) =>
        Assert.Throws<ArgumentException>(() => JobFolders.Of(_folder, jobId));

    [Fact]
    public void A_job_run_folder_is_directly_under_the_root() =>
        Assert.Equal(Path.Combine(_folder, "vae-20261128-101010-0123456789ab"), JobFolders.Of(_folder, "vae-20261128-101010-0123456789ab"));
}
