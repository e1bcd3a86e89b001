using DistGen.Client.Labeling;
using DistGen.Training.Rlhf;
using Spectre.Console.Testing;
using static DistGen.Tests.Client.Labeling.LabelTestFiles;

namespace DistGen.Tests.Client.Labeling;

public sealed class LabelConsoleTests : IDisposable
{
    private readonly LabelTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private async Task<(LabelSessionEnd End, TestConsole Console)> SessionAsync(string keys, CancellationToken cancel = default)
    {
        var console = ConsoleWithKeys(keys);
        using var source = LabelFileSource.Open(_files.RequestsPath, answersPath: null);
        var end = await new LabelConsole(console, source).RunAsync(cancel);
        return (end, console);
    }

    [Fact]
    public async Task Numbers_rank_best_first_and_the_last_completion_is_implied()
    {
        // 1-0000 has 3 completions: two presses; 1-0001 has 2: one press; 1-0002 has 4: three presses.
        var (end, console) = await SessionAsync("31" + "2" + "243" + "q");

        Assert.Equal(LabelSessionEnd.Quit, end);
        var answers = _files.LoadAnswers();
        Assert.Equal([2, 0, 1], answers.AnswerTo("1-0000")!.Ranking!);
        Assert.Equal([1, 0], answers.AnswerTo("1-0001")!.Ranking!);
        Assert.Equal([1, 3, 2, 0], answers.AnswerTo("1-0002")!.Ranking!);
        Assert.All(["1-0000", "1-0001", "1-0002"], id => Assert.Equal(LabelConsole.PersonLabeler, answers.AnswerTo(id)!.Labeler));
        Assert.Equal(["1-0000", "1-0001", "1-0002", "1-0003"], Visits(console));
    }

    [Fact]
    public async Task Backspace_takes_back_the_last_pick_before_the_answer_is_written()
    {
        var (_, console) = await SessionAsync("1\b31" + "q");

        Assert.Equal([2, 0, 1], _files.LoadAnswers().AnswerTo("1-0000")!.Ranking!);
        Assert.Contains("1st  [1]  Let there be light", console.Output);
    }

    [Fact]
    public async Task The_screen_shows_progress_context_prompt_numbered_completions_and_the_ranking_so_far()
    {
        var (_, console) = await SessionAsync("23" + "q");

        var output = console.Output;
        Assert.Contains("request 1-0000 (1 of 5)  ·  ranked 0 / skipped 0 / total 5", output);
        Assert.Contains("request 1-0001 (2 of 5)  ·  ranked 1 / skipped 0 / total 5", output);
        Assert.Contains("In the beginning God created the heaven and the earth.", output);
        Assert.Contains("And the earth", output);
        Assert.Contains("rejoiced [greatly] in love", output); // request text is never read as markup
        Assert.Contains("1st  [2]  Let there be wrath", output);
        Assert.Contains("keys: 1-3 rank, best first", output);
    }

    [Fact]
    public async Task Keys_that_do_nothing_are_ignored_with_a_hint_and_write_nothing()
    {
        var (end, console) = await SessionAsync("x" + "9" + "\b" + "u" + "1" + "1" + "q");

        Assert.Equal(LabelSessionEnd.Quit, end);
        Assert.Contains("that key does nothing here; press 1-3, Backspace, u, s or q", console.Output);
        Assert.Contains("there is no completion 9; press 1-3", console.Output);
        Assert.Contains("no pick to take back", console.Output);
        Assert.Contains("no earlier answer to undo", console.Output);
        Assert.Contains("completion 1 is ranked already", console.Output);
        Assert.Equal(0, _files.LoadAnswers().RankedCount + _files.LoadAnswers().SkippedCount);
        Assert.Equal(["1-0000"], Visits(console));
    }

    [Fact]
    public async Task Rank_backspace_undo_skip_quit_then_resume_keeps_every_answer_and_asks_nothing_twice()
    {
        // Session 1: rank 1-0000 and 1-0001; rank 1-0002 with a pick taken back; undo it from 1-0003's screen and rank
        // it again; skip 1-0003; quit at 1-0004.
        var (end, first) = await SessionAsync("31" + "2" + "12\b43" + "u" + "213" + "s" + "q");

        Assert.Equal(LabelSessionEnd.Quit, end);
        Assert.Equal(["1-0000", "1-0001", "1-0002", "1-0003", "1-0002", "1-0003", "1-0004"], Visits(first));
        Assert.Contains("4 of 5 requests answered (3 ranked, 1 skipped), in " + _files.AnswersPath, first.Output);
        Assert.Contains("Resume with: distgen label " + _files.RequestsPath, first.Output);
        var lines = File.ReadAllLines(_files.AnswersPath);
        Assert.Equal(6, lines.Length);
        Assert.Contains("\"undone\":true", lines[3]);

        var (resumedEnd, second) = await SessionAsync("2");

        Assert.Equal(LabelSessionEnd.AllAnswered, resumedEnd);
        Assert.Equal(["1-0004"], Visits(second));
        Assert.Contains("All 5 requests have an answer (4 ranked, 1 skipped)", second.Output);
        Assert.Equal(lines, File.ReadAllLines(_files.AnswersPath).Take(6));
        var answers = _files.LoadAnswers();
        Assert.Equal([2, 0, 1], answers.AnswerTo("1-0000")!.Ranking!);
        Assert.Equal([1, 0], answers.AnswerTo("1-0001")!.Ranking!);
        Assert.Equal([1, 0, 2, 3], answers.AnswerTo("1-0002")!.Ranking!);
        Assert.True(answers.AnswerTo("1-0003")!.Skipped);
        Assert.Equal([1, 0], answers.AnswerTo("1-0004")!.Ranking!);
        Assert.Equal(3 + 1 + 6 + 1, answers.Pairs(Requests).Count);
    }

    [Fact]
    public async Task A_session_with_every_request_answered_says_so_and_reads_no_key()
    {
        await SessionAsync("31" + "2" + "243" + "s" + "1");

        var (end, console) = await SessionAsync(keys: "");

        Assert.Equal(LabelSessionEnd.AllAnswered, end);
        Assert.Empty(Visits(console));
        Assert.Contains("All 5 requests have an answer (4 ranked, 1 skipped)", console.Output);
    }

    [Fact]
    public async Task After_resuming_u_undoes_the_last_answered_request_and_asks_it_again()
    {
        await SessionAsync("31" + "2" + "q");

        var (_, console) = await SessionAsync("u" + "1" + "q");

        Assert.Equal(["1-0002", "1-0001", "1-0002"], Visits(console));
        Assert.Equal([0, 1], _files.LoadAnswers().AnswerTo("1-0001")!.Ranking!);
        Assert.Equal([2, 0, 1], _files.LoadAnswers().AnswerTo("1-0000")!.Ranking!);
    }

    [Fact]
    public async Task After_resuming_u_undoes_the_answer_given_last_even_when_it_was_to_an_earlier_request()
    {
        // Given out of request order (as --auto, another console or a hand edit may leave them): 1-0001 first, then 1-0000.
        using (var log = new LabelAnswerLog(_files.AnswersPath))
        {
            log.Append(LabelAnswer.Ranked("1-0001", [1, 0], "person"));
            log.Append(LabelAnswer.Ranked("1-0000", [2, 0, 1], "person"));
        }

        var (_, console) = await SessionAsync("u" + "q");

        Assert.Equal(["1-0002", "1-0000"], Visits(console));
        Assert.False(_files.LoadAnswers().IsAnswered("1-0000"));
        Assert.Equal([1, 0], _files.LoadAnswers().AnswerTo("1-0001")!.Ranking!);
    }

    [Fact]
    public async Task Ctrl_C_ends_the_session_like_q_and_keeps_the_answers_given()
    {
        using var interrupt = new CancellationTokenSource();
        var console = ConsoleWithKeys("31" + "2");
        using (var files = LabelFileSource.Open(_files.RequestsPath, answersPath: null))
        {
            var source = new InterruptedAfter(files, answers: 1, interrupt);
            Assert.Equal(LabelSessionEnd.Quit, await new LabelConsole(console, source).RunAsync(interrupt.Token));
        }

        Assert.Contains("1 of 5 requests answered (1 ranked, 0 skipped)", console.Output);
        Assert.Contains("Resume with: distgen label " + _files.RequestsPath, console.Output);
        Assert.Equal([2, 0, 1], _files.LoadAnswers().AnswerTo("1-0000")!.Ranking!);
        Assert.False(_files.LoadAnswers().IsAnswered("1-0001"));
    }

    [Fact]
    public async Task The_console_works_on_any_label_source_not_only_files()
    {
        var source = new MemorySource(Requests);
        var console = ConsoleWithKeys("s" + "1" + "q");

        await new LabelConsole(console, source).RunAsync(CancellationToken.None);

        Assert.Equal([LabelAnswer.Skip("1-0000", "person"), LabelAnswer.Ranked("1-0001", [0, 1], "person")], source.Recorded, new SameAnswer());
        Assert.Contains("Resume with: distgen label JOB-7", console.Output);
    }

    /// <summary>A source that keeps answers in memory, as a cluster job's source would keep them remotely.</summary>
    private sealed class MemorySource(IReadOnlyList<LabelRequest> requests) : ILabelSource
    {
        public List<LabelAnswer> Recorded { get; } = [];

        public string Name => "JOB-7";

        public string AnswersLocation => "job JOB-7";

        public string ResumeCommand => "distgen label JOB-7";

        public IReadOnlyList<LabelRequest> Requests => requests;

        public LabelAnswers Answers { get; } = new(requests);

        public Task RecordAsync(LabelAnswer answer, CancellationToken cancel)
        {
            Recorded.Add(answer);
            Answers.Apply(answer);
            return Task.CompletedTask;
        }
    }

    /// <summary>Passes answers on, then acts as Ctrl+C does once <c>answers</c> have been recorded.</summary>
    private sealed class InterruptedAfter(ILabelSource inner, int answers, CancellationTokenSource interrupt) : ILabelSource
    {
        private int _recorded;

        public string Name => inner.Name;

        public string AnswersLocation => inner.AnswersLocation;

        public string ResumeCommand => inner.ResumeCommand;

        public IReadOnlyList<LabelRequest> Requests => inner.Requests;

        public LabelAnswers Answers => inner.Answers;

        public async Task RecordAsync(LabelAnswer answer, CancellationToken cancel)
        {
            await inner.RecordAsync(answer, cancel);
            if (++_recorded == answers) await interrupt.CancelAsync();
        }
    }
}
