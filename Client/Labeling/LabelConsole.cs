using DistGen.Training.Rlhf;
using Spectre.Console;

namespace DistGen.Client.Labeling;

/// <summary>How a labelling session ended.</summary>
public enum LabelSessionEnd
{
    /// <summary>Every request has a standing answer.</summary>
    AllAnswered,

    /// <summary>The person quit (q or Ctrl+C); the rest waits for the resume command.</summary>
    Quit,
}

/// <summary>
/// The interactive labelling loop: shows the first request without a standing answer and turns key presses into answers.
/// Completion numbers rank best first (the last one is implied), Backspace takes back a pick, u undoes the previous answer
/// and shows its request again, s skips, q quits. Every answer is recorded the moment it is complete, so quitting any way
/// loses none. Keys come from the console's <see cref="IAnsiConsole.Input"/>, so a test can script them.
/// </summary>
public sealed class LabelConsole(IAnsiConsole console, ILabelSource source)
{
    /// <summary>How answers given through this console are signed.</summary>
    public const string PersonLabeler = "person";

    // The requests answered, most recent on top: what u undoes. A resumed session starts with the standing answers in the order they were given.
    private readonly Stack<int> _answered = new(AnswerOrder(source));

    public async Task<LabelSessionEnd> RunAsync(CancellationToken cancel)
    {
        int? current = FirstUnanswered();
        var ranking = new PartialRanking(current is { } first ? source.Requests[first].Completions.Count : 0);
        string? hint = null;
        while (current is { } index)
        {
            LabelScreen.Show(console, source, index, ranking, hint);
            if (await ReadKeyAsync(cancel) is not { } key || key.Kind == LabelKeyKind.Quit) return Quit();
            (current, hint) = await HandleAsync(key, index, ranking, cancel);
            // Another request on screen (this one answered, or an earlier one undone) starts with no picks.
            if (current is { } next && next != index) ranking = new PartialRanking(source.Requests[next].Completions.Count);
        }
        WriteUnwrapped($"All {source.Requests.Count} requests have an answer ({Counts()}), in {source.AnswersLocation}.");
        return LabelSessionEnd.AllAnswered;
    }

    /// <summary>Acts on one key; answers the request to show next and a hint when the key did nothing.</summary>
    private async Task<(int? Next, string? Hint)> HandleAsync(LabelKey key, int index, PartialRanking ranking, CancellationToken cancel)
    {
        var request = source.Requests[index];
        switch (key.Kind)
        {
            case LabelKeyKind.Completion:
                if (Pick(ranking, key.Number) is { } problem) return (index, problem);
                if (!ranking.IsComplete) return (index, null);
                await AnswerAsync(index, LabelAnswer.Ranked(request.Id, ranking.ToRanking(), PersonLabeler), cancel);
                return (FirstUnanswered(), null);
            case LabelKeyKind.TakeBack:
                return (index, ranking.TakeBack() ? null : "no pick to take back; u undoes the previous answer");
            case LabelKeyKind.Undo:
                if (_answered.Count == 0) return (index, "no earlier answer to undo");
                await source.RecordAsync(LabelAnswer.Undo(source.Requests[_answered.Peek()].Id, PersonLabeler), cancel);
                return (_answered.Pop(), null);
            case LabelKeyKind.Skip:
                await AnswerAsync(index, LabelAnswer.Skip(request.Id, PersonLabeler), cancel);
                return (FirstUnanswered(), null);
            default:
                return (index, $"that key does nothing here; press 1-{request.Completions.Count}, Backspace, u, s or q");
        }
    }

    private static string? Pick(PartialRanking ranking, int number)
    {
        int completion = number - 1;
        if (completion < 0 || completion >= ranking.Completions) return $"there is no completion {number}; press 1-{ranking.Completions}";
        if (ranking.Contains(completion)) return $"completion {number} is ranked already; Backspace takes back the last pick";
        ranking.Pick(completion);
        return null;
    }

    private async Task AnswerAsync(int index, LabelAnswer answer, CancellationToken cancel)
    {
        await source.RecordAsync(answer, cancel);
        _answered.Push(index);
    }

    private async Task<LabelKey?> ReadKeyAsync(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                // Spectre's console input answers null when no key came before it checked; ask again.
                if (await console.Input.ReadKeyAsync(intercept: true, cancel) is { } key) return LabelKey.From(key);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return null;
    }

    private static IEnumerable<int> AnswerOrder(ILabelSource source)
    {
        var indexOf = Enumerable.Range(0, source.Requests.Count).ToDictionary(i => source.Requests[i].Id, StringComparer.Ordinal);
        return source.Answers.Standing.Select(a => indexOf[a.Id]);
    }

    private int? FirstUnanswered()
    {
        for (int i = 0; i < source.Requests.Count; i++)
            if (!source.Answers.IsAnswered(source.Requests[i].Id)) return i;
        return null;
    }

    private LabelSessionEnd Quit()
    {
        int answered = source.Answers.RankedCount + source.Answers.SkippedCount;
        console.WriteLine();
        WriteUnwrapped($"{answered} of {source.Requests.Count} requests answered ({Counts()}), in {source.AnswersLocation}.");
        WriteUnwrapped($"Resume with: {source.ResumeCommand}");
        return LabelSessionEnd.Quit;
    }

    // Past Spectre's line wrapping, which breaks lines at the console's width: a long command must stay one line to copy.
    private void WriteUnwrapped(string line) => console.Profile.Out.Writer.WriteLine(line);

    private string Counts() => $"{source.Answers.RankedCount} ranked, {source.Answers.SkippedCount} skipped";
}
