using DistGen.Client.Labeling;
using DistGen.Training.Rlhf;

namespace DistGen.Tests.Client.Labeling;

public sealed class LabelFileSourceTests : IDisposable
{
    private readonly LabelTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("requests.jsonl", "requests.answers.jsonl")]
    [InlineData("runs/job/iteration-1.jsonl", "runs/job/iteration-1.answers.jsonl")]
    [InlineData("requests.txt", "requests.txt.answers.jsonl")]
    public void The_default_answers_file_replaces_jsonl_with_answers_jsonl(string requests, string answers) =>
        Assert.Equal(answers, LabelFileSource.DefaultAnswersPath(requests));

    [Fact]
    public void The_resume_command_repeats_the_paths_given_quoting_them_for_the_shell_when_needed()
    {
        var requests = Path.Combine(_files.Folder, "it's here.jsonl");
        File.Copy(_files.RequestsPath, requests);
        var answers = Path.Combine(_files.Folder, "mine.jsonl");

        using var byDefault = LabelFileSource.Open(_files.RequestsPath, answersPath: null);
        using var named = LabelFileSource.Open(requests, answers);

        Assert.Equal($"distgen label {_files.RequestsPath}", byDefault.ResumeCommand);
        Assert.Equal($"distgen label '{_files.Folder}/it'\\''s here.jsonl' --answers {answers}", named.ResumeCommand);
    }

    [Fact]
    public async Task An_answer_is_appended_on_a_line_of_its_own_even_when_the_file_lacks_its_last_newline()
    {
        const string handEdited = """{"id": "1-0000", "skipped": true, "labeler": "person"}""";
        File.WriteAllText(_files.AnswersPath, handEdited);

        using (var source = LabelFileSource.Open(_files.RequestsPath, answersPath: null))
            await source.RecordAsync(LabelAnswer.Ranked("1-0001", [1, 0], "person"), CancellationToken.None);

        Assert.StartsWith(handEdited + "\n", File.ReadAllText(_files.AnswersPath));
        Assert.Equal(2, _files.LoadAnswers().RankedCount + _files.LoadAnswers().SkippedCount);
    }

    [Fact]
    public void The_requests_file_is_never_taken_as_its_own_answers_file()
    {
        var before = File.ReadAllBytes(_files.RequestsPath);

        Assert.Throws<ArgumentException>(() => LabelFileSource.Open(_files.RequestsPath, _files.RequestsPath));
        Assert.Equal(before, File.ReadAllBytes(_files.RequestsPath));
    }

    [Fact]
    public async Task A_second_session_on_the_same_answers_file_is_refused_by_name_until_the_first_ends()
    {
        using (var first = LabelFileSource.Open(_files.RequestsPath, answersPath: null))
        {
            await first.RecordAsync(LabelAnswer.Ranked("1-0000", [2, 0, 1], "person"), CancellationToken.None);
            var refused = Assert.Throws<LabelSessionBusyException>(() => LabelFileSource.Open(_files.RequestsPath, answersPath: null));
            Assert.StartsWith($"{_files.AnswersPath}: another distgen label session is answering into it", refused.Message);
            Assert.Contains("--answers", refused.Message);
        }
        Assert.False(File.Exists(_files.AnswersPath + ".lock"), "the ended session left its lock file");

        using var after = LabelFileSource.Open(_files.RequestsPath, answersPath: null);
        Assert.Equal([2, 0, 1], after.Answers.AnswerTo("1-0000")!.Ranking!);
    }
}
