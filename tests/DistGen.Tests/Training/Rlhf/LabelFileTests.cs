using DistGen.Training.Rlhf;

namespace DistGen.Tests.Training.Rlhf;

public sealed class LabelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-labels-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static readonly LabelRequest[] Requests =
    [
        new("1-00001", "his people.\n", "And he said ", ["unto them", "go ye up", "the LORD is"]),
        new("1-00002", "for ever.\n", "For the LORD ", ["is good", "hath spoken"]),
    ];

    [Fact]
    public void Standing_answers_keep_the_order_they_were_given_in_and_a_new_answer_moves_its_request_last()
    {
        var answers = new LabelAnswers(Requests);
        answers.Apply(LabelAnswer.Ranked("1-00002", [1, 0], "person"));
        answers.Apply(LabelAnswer.Skip("1-00001", "person"));
        Assert.Equal(["1-00002", "1-00001"], answers.Standing.Select(a => a.Id));

        answers.Apply(LabelAnswer.Ranked("1-00002", [0, 1], "person"));
        Assert.Equal(["1-00001", "1-00002"], answers.Standing.Select(a => a.Id));

        answers.Apply(LabelAnswer.Undo("1-00002", "person"));
        Assert.Equal(["1-00001"], answers.Standing.Select(a => a.Id));
    }

    [Fact]
    public void Requests_written_are_read_back_the_same()
    {
        LabelRequestFile.Write(PathOf("requests.jsonl"), Requests);
        var read = LabelRequestFile.Read(PathOf("requests.jsonl"));
        Assert.Equal(Requests.Length, read.Count);
        for (int i = 0; i < Requests.Length; i++)
        {
            Assert.Equal((Requests[i].Id, Requests[i].Context, Requests[i].Prompt), (read[i].Id, read[i].Context, read[i].Prompt));
            Assert.Equal(Requests[i].Completions, read[i].Completions);
        }
    }

    [Theory]
    [InlineData("{\"id\":\"a\",\"context\":\"\",\"prompt\":\"p\",\"completions\":[\"x\",\"y\"]}\nnot json\n", 2, "not a JSON object")]
    [InlineData("{\"id\":\"a\",\"context\":\"\",\"prompt\":\"p\",\"completions\":[\"x\"]}\n", 1, "1 completions; a request holds 2 to 4")]
    [InlineData("{\"id\":\"a\",\"context\":\"\",\"prompt\":\"p\",\"completions\":[\"x\",\"y\"]}\n\n{\"id\":\"a\",\"context\":\"\",\"prompt\":\"p\",\"completions\":[\"x\",\"y\"]}\n", 3, "already appears on line 1")]
    [InlineData("{\"id\":\"a\",\"prompt\":\"p\",\"completions\":[\"x\",\"y\"]}\n", 1, "\"context\" is missing")]
    [InlineData("{\"id\":\"a\",\"context\":\"\",\"prompt\":\"p\",\"completion\":[\"x\",\"y\"]}\n", 1, "unknown field \"completion\"")]
    [InlineData("[1, 2]\n", 1, "not an object")]
    public void A_malformed_requests_file_is_refused_at_its_line(string content, int line, string problem)
    {
        File.WriteAllText(PathOf("bad.jsonl"), content);
        var error = Assert.Throws<LabelFileException>(() => LabelRequestFile.Read(PathOf("bad.jsonl")));
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"{PathOf("bad.jsonl")} line {line}: ", error.Message);
    }

    [Fact]
    public void Answers_replay_in_order_the_last_one_stands_and_an_undo_clears_it()
    {
        var path = PathOf("answers.jsonl");
        using (var log = new LabelAnswerLog(path))
        {
            log.Append(LabelAnswer.Ranked("1-00001", [2, 0, 1], "person"));
            log.Append(LabelAnswer.Skip("1-00002", "person"));
            log.Append(LabelAnswer.Undo("1-00001", "person"));
            log.Append(LabelAnswer.Ranked("1-00001", [1, 2, 0], "person"));
            log.Append(LabelAnswer.Undo("1-00002", "person"));
        }
        var answers = LabelAnswers.Load(path, Requests);
        Assert.Equal([1, 2, 0], answers.AnswerTo("1-00001")!.Ranking!);
        Assert.False(answers.IsAnswered("1-00002"));
        Assert.Equal((1, 0), (answers.RankedCount, answers.SkippedCount));
        Assert.Equal([new("1-00001", 1, 2), new("1-00001", 1, 0), new("1-00001", 2, 0)], answers.Pairs(Requests));
    }

    [Fact]
    public void Every_answer_is_on_disk_as_soon_as_it_is_appended()
    {
        var path = PathOf("answers.jsonl");
        using var log = new LabelAnswerLog(path);
        log.Append(LabelAnswer.Ranked("1-00002", [1, 0], "person"));
        // Read while the log is still open, as after Ctrl+C: the line is there.
        Assert.Equal([1, 0], LabelAnswers.Load(path, Requests).AnswerTo("1-00002")!.Ranking!);
    }

    [Theory]
    [InlineData("{\"id\":\"1-00001\",\"ranking\":[0,0,1]}", "must order its 3 completions 0..2, each exactly once")]
    [InlineData("{\"id\":\"1-00001\",\"ranking\":[0,1]}", "must order its 3 completions")]
    [InlineData("{\"id\":\"1-00001\",\"ranking\":[0,1,3]}", "must order its 3 completions")]
    [InlineData("{\"id\":\"9-99999\",\"ranking\":[0,1]}", "no request has the id \"9-99999\"")]
    [InlineData("{\"id\":\"1-00001\"}", "exactly one of \"ranking\"")]
    [InlineData("{\"id\":\"1-00001\",\"ranking\":[0,1,2],\"skipped\":true}", "exactly one of \"ranking\"")]
    [InlineData("{\"id\":\"1-00001\",\"ranking\":\"0,1,2\"}", "\"ranking\" must be an array")]
    [InlineData("{\"id\":\"1-00001\",\"skipped\":\"yes\"}", "\"skipped\" must be true or false")]
    [InlineData("{\"ranking\":[0,1,2]}", "\"id\" is missing")]
    public void A_malformed_answer_is_refused_with_its_line_number(string badLine, string problem)
    {
        var path = PathOf("answers.jsonl");
        File.WriteAllText(path, "{\"id\":\"1-00002\",\"ranking\":[1,0],\"labeler\":\"person\"}\n" + badLine + "\n");
        var error = Assert.Throws<LabelFileException>(() => LabelAnswers.Load(path, Requests));
        Assert.Equal(2, error.Line);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void No_answers_file_means_nothing_answered_yet()
    {
        var answers = LabelAnswers.Load(PathOf("none.jsonl"), Requests);
        Assert.Equal(0, answers.RankedCount);
        Assert.Empty(answers.Pairs(Requests));
    }
}
