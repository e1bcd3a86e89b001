using System.Text.Json;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The standing answers to a set of requests: an answers file replayed in order, where the last answer to a request
/// stands and an undo makes it unanswered again. The standing answers keep the order they were given in, so an undo
/// after a resume takes back the answer given last. Every line is checked against the requests (a known id, a ranking that
/// orders each completion exactly once); a malformed line is refused with its line number.
/// </summary>
public sealed class LabelAnswers
{
    private readonly Dictionary<string, LabelRequest> _requests;
    // In the order given: answering a request again moves it to the end.
    private readonly OrderedDictionary<string, LabelAnswer> _standing = new(StringComparer.Ordinal);

    public LabelAnswers(IEnumerable<LabelRequest> requests) =>
        _requests = requests.ToDictionary(r => r.Id, StringComparer.Ordinal);

    /// <summary>The answers of <paramref name="path"/> to <paramref name="requests"/>; an absent file means none yet.</summary>
    public static LabelAnswers Load(string path, IEnumerable<LabelRequest> requests)
    {
        var answers = new LabelAnswers(requests);
        if (!File.Exists(path)) return answers;
        foreach (var (line, value) in JsonLines.Read(path)) answers.Apply(Parse(value, path, line), path, line);
        return answers;
    }

    /// <summary>The standing answers (rankings and skips), in the order they were given, the latest last.</summary>
    public IReadOnlyCollection<LabelAnswer> Standing => _standing.Values;

    /// <summary>Requests ranked so far.</summary>
    public int RankedCount => _standing.Values.Count(a => a.Ranking is not null);

    /// <summary>Requests skipped so far.</summary>
    public int SkippedCount => _standing.Values.Count(a => a.Skipped);

    /// <summary>Whether <paramref name="requestId"/> has a standing answer (a ranking or a skip).</summary>
    public bool IsAnswered(string requestId) => _standing.ContainsKey(requestId);

    public LabelAnswer? AnswerTo(string requestId) => _standing.GetValueOrDefault(requestId);

    /// <summary>Applies one answer as the file's next line would be; throws <see cref="ArgumentException"/> when it does not fit the requests.</summary>
    public void Apply(LabelAnswer answer)
    {
        if (Problem(answer) is { } problem) throw new ArgumentException(problem);
        Record(answer);
    }

    /// <summary>The comparisons the standing rankings imply, request by request in the requests' order.</summary>
    public IReadOnlyList<PreferencePair> Pairs(IEnumerable<LabelRequest> inOrder) =>
        inOrder.Select(r => _standing.GetValueOrDefault(r.Id)).Where(a => a?.Ranking is not null)
            .SelectMany(a => PreferencePair.FromRanking(a!.Id, a.Ranking!)).ToList();

    private void Apply(LabelAnswer answer, string path, int line)
    {
        if (Problem(answer) is { } problem) throw new LabelFileException(path, line, problem);
        Record(answer);
    }

    private void Record(LabelAnswer answer)
    {
        _standing.Remove(answer.Id);
        if (!answer.Undone) _standing.Add(answer.Id, answer);
    }

    /// <summary>Why <paramref name="answer"/> does not fit the requests (an unknown id, a ranking that is no permutation), or null when it does.</summary>
    public string? Problem(LabelAnswer answer)
    {
        if (!_requests.TryGetValue(answer.Id, out var request)) return $"no request has the id \"{answer.Id}\"; is this the answers file of another job or iteration?";
        if (answer.Ranking is not { } ranking) return null;
        int k = request.Completions.Count;
        if (ranking.Length != k || ranking.Any(i => i < 0 || i >= k) || ranking.Distinct().Count() != k)
            return $"ranking [{string.Join(", ", ranking)}] of request \"{answer.Id}\" must order its {k} completions 0..{k - 1}, each exactly once";
        return null;
    }

    private static LabelAnswer Parse(JsonElement value, string path, int line)
    {
        JsonLines.RequireKnownFields(value, path, line, "id", "ranking", "skipped", "undone", "labeler");
        var id = JsonLines.RequiredString(value, "id", path, line);
        string labeler = value.TryGetProperty("labeler", out var who) && who.ValueKind == JsonValueKind.String ? who.GetString()! : "";
        bool skipped = JsonLines.OptionalTrue(value, "skipped", path, line);
        bool undone = JsonLines.OptionalTrue(value, "undone", path, line);
        int[]? ranking = null;
        if (value.TryGetProperty("ranking", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Number || !i.TryGetInt32(out _)))
                throw new LabelFileException(path, line, "\"ranking\" must be an array of completion indices, best first");
            ranking = list.EnumerateArray().Select(i => i.GetInt32()).ToArray();
        }
        int kinds = (ranking is null ? 0 : 1) + (skipped ? 1 : 0) + (undone ? 1 : 0);
        if (kinds != 1) throw new LabelFileException(path, line, "an answer holds exactly one of \"ranking\", \"skipped\": true or \"undone\": true");
        return new LabelAnswer(id, ranking, skipped, undone, labeler);
    }
}
