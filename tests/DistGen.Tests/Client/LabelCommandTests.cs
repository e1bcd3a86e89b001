using DistGen.Client;
using DistGen.Client.Commands;
using DistGen.Client.Labeling;
using DistGen.Tests.Client.Labeling;
using DistGen.Training.Rlhf;
using Spectre.Console.Testing;

namespace DistGen.Tests.Client;

public sealed class LabelCommandTests : IDisposable
{
    private readonly LabelTestFiles _files = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _errors = new();

    public void Dispose() => _files.Dispose();

    private Task<int> RunAsync(LabelArguments arguments, TestConsole? console = null) =>
        LabelCommand.RunAsync(arguments, console ?? new TestConsole().Interactive(), _output, _errors, CancellationToken.None);

    [Fact]
    public async Task Auto_ranks_every_unanswered_request_and_the_same_seed_gives_the_same_answers()
    {
        File.WriteAllText(_files.AnswersPath, """{"id": "1-0002", "skipped": true, "labeler": "person"}""" + "\n");
        var copy = Path.Combine(_files.Folder, "copy.answers.jsonl");
        File.Copy(_files.AnswersPath, copy);

        Assert.Equal(ExitCodes.Success, await RunAsync(new LabelArguments(_files.RequestsPath, Auto: "sentiment", Seed: 7)));
        Assert.Equal(ExitCodes.Success, await RunAsync(new LabelArguments(_files.RequestsPath, copy, Auto: "sentiment", Seed: 7)));

        Assert.Equal(File.ReadAllBytes(_files.AnswersPath), File.ReadAllBytes(copy));
        var answers = _files.LoadAnswers();
        Assert.True(answers.AnswerTo("1-0002")!.Skipped);
        var labeler = new SyntheticLabeler(PreferenceRules.Named("sentiment"), LabelCommand.DefaultTau, 7);
        foreach (var request in LabelTestFiles.Requests.Where(r => r.Id != "1-0002"))
            Assert.Equal(labeler.Answer(request), answers.AnswerTo(request.Id), new SameAnswer());
        Assert.Contains($"ranked 4 request(s) with auto:sentiment:tau=0.25:seed=7; 5 of 5 answered (4 ranked, 1 skipped), in {_files.AnswersPath}", _output.ToString());
    }

    [Fact]
    public async Task Auto_run_again_finds_nothing_to_rank_and_appends_nothing()
    {
        await RunAsync(new LabelArguments(_files.RequestsPath, Auto: "sentiment"));
        var before = File.ReadAllBytes(_files.AnswersPath);

        Assert.Equal(ExitCodes.Success, await RunAsync(new LabelArguments(_files.RequestsPath, Auto: "sentiment")));

        Assert.Equal(before, File.ReadAllBytes(_files.AnswersPath));
        Assert.Contains("ranked 0 request(s) with auto:sentiment:tau=0.25:seed=1", _output.ToString());
    }

    [Fact]
    public async Task An_unknown_rule_exits_2_listing_the_allowed_rules_and_writes_nothing()
    {
        Assert.Equal(ExitCodes.BadInput, await RunAsync(new LabelArguments(_files.RequestsPath, Auto: "kindness")));

        Assert.Equal("unknown preference rule \"kindness\"; allowed: sentiment", _errors.ToString().Trim());
        Assert.False(File.Exists(_files.AnswersPath));
    }

    [Theory]
    [InlineData(0.5, null)]
    [InlineData(null, 3L)]
    public async Task Tau_or_seed_without_auto_exits_2(double? tau, long? seed)
    {
        Assert.Equal(ExitCodes.BadInput, await RunAsync(new LabelArguments(_files.RequestsPath, Tau: tau, Seed: seed)));
        Assert.Contains("give --auto RULE too", _errors.ToString());
    }

    [Fact]
    public async Task A_negative_tau_exits_2() =>
        Assert.Equal(ExitCodes.BadInput, await RunAsync(new LabelArguments(_files.RequestsPath, Auto: "sentiment", Tau: -1)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_malformed_requests_file_is_refused_with_its_line_and_the_answers_file_is_left_byte_identical(bool auto)
    {
        File.AppendAllText(_files.RequestsPath, """{"id": "1-0005", "context": "", "prompt": "And ", "completions": ["only one"]}""" + "\n");
        File.WriteAllText(_files.AnswersPath, """{"id": "1-0000", "ranking": [0, 1, 2], "labeler": "person"}""");
        var before = File.ReadAllBytes(_files.AnswersPath);

        var exit = await RunAsync(new LabelArguments(_files.RequestsPath, Auto: auto ? "sentiment" : null), LabelTestFiles.ConsoleWithKeys("").Interactive());

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal(
            $"{_files.RequestsPath} line 6: 1 completions; a request holds 2 to 4; fix that line of the requests file and run the command again (no answer was written)",
            _errors.ToString().Trim());
        Assert.Equal(before, File.ReadAllBytes(_files.AnswersPath));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_malformed_answers_file_is_refused_with_its_line_and_left_byte_identical(bool auto)
    {
        File.WriteAllText(_files.AnswersPath, """
            {"id": "1-0000", "ranking": [2, 0, 1], "labeler": "person"}
            {"id": "1-0001", "ranking": [1, 1], "labeler": "person"}
            {"id": "1-0002", "skipped": true, "labeler": "person"
            """);
        var before = File.ReadAllBytes(_files.AnswersPath);

        var exit = await RunAsync(new LabelArguments(_files.RequestsPath, Auto: auto ? "sentiment" : null), LabelTestFiles.ConsoleWithKeys("1q").Interactive());

        Assert.Equal(ExitCodes.BadInput, exit);
        var error = _errors.ToString().Trim();
        Assert.StartsWith($"{_files.AnswersPath} line 2: ranking [1, 1] of request \"1-0001\" must order its 2 completions 0..1, each exactly once", error);
        Assert.EndsWith("fix that line of the answers file and run the command again (distgen left the file as it was)", error);
        Assert.DoesNotContain('\n', error);
        Assert.Equal(before, File.ReadAllBytes(_files.AnswersPath));
    }

    [Fact]
    public async Task A_missing_requests_file_exits_2_naming_it_and_creates_no_answers_file()
    {
        var missing = Path.Combine(_files.Folder, "absent.jsonl");

        Assert.Equal(ExitCodes.BadInput, await RunAsync(new LabelArguments(missing, Auto: "sentiment")));

        Assert.Equal($"{missing}: the file does not exist; give the path of a requests file holding at least one request", _errors.ToString().Trim());
        Assert.False(File.Exists(LabelFileSource.DefaultAnswersPath(missing)));
    }

    [Fact]
    public async Task A_person_needs_an_interactive_console()
    {
        Assert.Equal(ExitCodes.BadInput, await RunAsync(new LabelArguments(_files.RequestsPath), new TestConsole()));
        Assert.Contains("rank with --auto RULE", _errors.ToString());
    }

    [Fact]
    public async Task A_person_labels_through_the_command_into_the_answers_file_named()
    {
        var answers = Path.Combine(_files.Folder, "alice.jsonl");
        var console = LabelTestFiles.ConsoleWithKeys("31" + "s" + "q").Interactive();

        Assert.Equal(ExitCodes.Success, await RunAsync(new LabelArguments(_files.RequestsPath, answers), console));

        var standing = LabelAnswers.Load(answers, LabelTestFiles.Requests);
        Assert.Equal([2, 0, 1], standing.AnswerTo("1-0000")!.Ranking!);
        Assert.True(standing.AnswerTo("1-0001")!.Skipped);
        Assert.Contains($"Resume with: distgen label {_files.RequestsPath} --answers {answers}", console.Output);
        Assert.False(File.Exists(_files.AnswersPath));
    }

    [Fact]
    public async Task A_second_label_command_on_files_a_session_has_open_exits_2_naming_the_lock_and_writes_nothing()
    {
        using var open = LabelFileSource.Open(_files.RequestsPath, answersPath: null);

        Assert.Equal(ExitCodes.BadInput, await RunAsync(new LabelArguments(_files.RequestsPath, Auto: "sentiment")));

        Assert.Equal($"{_files.AnswersPath}: another distgen label session is answering into it (it holds {_files.AnswersPath}.lock); " +
            "quit that session first, or give --answers a file of your own", _errors.ToString().TrimEnd());
        Assert.Equal(0, new FileInfo(_files.AnswersPath).Length);
    }
}
