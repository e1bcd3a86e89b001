using System.Text.RegularExpressions;
using DistGen.Training.Rlhf;
using Spectre.Console.Testing;

namespace DistGen.Tests.Client.Labeling;

/// <summary>A temporary folder with a requests file of five requests (2 to 4 completions), removed when disposed.</summary>
internal sealed partial class LabelTestFiles : IDisposable
{
    public static readonly IReadOnlyList<LabelRequest> Requests =
    [
        new("1-0000", "and the evening and the morning were the first day.\n", "And God said, ", ["Let there be light", "Let there be wrath", "Let there be peace"]),
        new("1-0001", "In the beginning God created the heaven and the earth.\n", "And the earth ", ["was without form", "rejoiced [greatly] in love"]),
        new("1-0002", "Blessed are the poor in spirit.\n", "Blessed ", ["are the meek", "is death", "are the peacemakers", "be evil"]),
        new("1-0003", "The LORD is my shepherd;\n", "I shall ", ["not want", "fear no evil", "dwell in joy"]),
        new("1-0004", "Jesus wept.\n", "Then said ", ["the Jews, Behold", "he unto them, Peace"]),
    ];

    public LabelTestFiles()
    {
        RequestsPath = Path.Combine(Folder, "requests.jsonl");
        LabelRequestFile.Write(RequestsPath, Requests);
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("distgen-label-").FullName;

    public string RequestsPath { get; }

    /// <summary>Where answers go by default: requests.answers.jsonl.</summary>
    public string AnswersPath => Path.Combine(Folder, "requests.answers.jsonl");

    public LabelAnswers LoadAnswers() => LabelAnswers.Load(AnswersPath, Requests);

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>A test console of a comfortable width whose input holds <paramref name="keys"/> ('\b' is Backspace).</summary>
    public static TestConsole ConsoleWithKeys(string keys)
    {
        var console = new TestConsole().Width(160);
        Press(console, keys);
        return console;
    }

    public static void Press(TestConsole console, string keys)
    {
        foreach (char key in keys)
            if (key == '\b') console.Input.PushKey(ConsoleKey.Backspace);
            else console.Input.PushCharacter(key);
    }

    /// <summary>The requests shown, in order, each once per visit (a redraw after a key on the same request is not a visit).</summary>
    public static IReadOnlyList<string> Visits(TestConsole console)
    {
        var visits = new List<string>();
        foreach (Match match in ShownRequest().Matches(console.Output))
            if (visits.Count == 0 || visits[^1] != match.Groups[1].Value) visits.Add(match.Groups[1].Value);
        return visits;
    }

    [GeneratedRegex(@"request (\S+) \(\d+ of \d+\)")]
    private static partial Regex ShownRequest();
}
