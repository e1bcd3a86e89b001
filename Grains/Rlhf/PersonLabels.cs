using DistGen.Contracts.Jobs;
using DistGen.Training.Rlhf;

namespace DistGen.Grains.Rlhf;

/// <summary>
/// An iteration's label requests waiting for a person: the answers so far (replayed from the run folder's answers file,
/// so a run that starts again after a takeover asks only what is still unanswered), each new answer checked, appended
/// and flushed before it counts, and the moment every request has an answer (a ranking or a skip).
/// </summary>
public sealed class PersonLabels : IDisposable
{
    private readonly int _iteration;
    private readonly IReadOnlyList<LabelRequest> _requests;
    private readonly LabelAnswerLog _log;
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <exception cref="LabelFileException">The answers file holds a line that does not fit the requests.</exception>
    public PersonLabels(int iteration, IReadOnlyList<LabelRequest> requests, string answersPath)
    {
        (_iteration, _requests) = (iteration, requests);
        Answers = LabelAnswers.Load(answersPath, requests);
        _log = new LabelAnswerLog(answersPath);
        if (IsComplete) _complete.SetResult();
    }

    public LabelAnswers Answers { get; }

    public int Iteration => _iteration;

    public int RequestCount => _requests.Count;

    /// <summary>Requests ranked or skipped.</summary>
    public int Answered => Answers.RankedCount + Answers.SkippedCount;

    public bool IsComplete => Answered == _requests.Count;

    /// <summary>Completes when every request has an answer.</summary>
    public Task Completion => _complete.Task;

    public LabelWork Work => new(_iteration,
        _requests.Select(r => new LabelRequestMessage(r.Id, r.Context, r.Prompt, r.Completions.ToList())).ToList(),
        // In the order given, so a console resuming on them undoes the answer given last.
        Answers.Standing.Select(a => new LabelAnswerMessage(a.Id, a.Ranking, a.Skipped, a.Undone, a.Labeler)).ToList());

    /// <exception cref="ArgumentException">The answer does not fit the requests; nothing was recorded.</exception>
    public LabelProgress Submit(LabelAnswerMessage message)
    {
        var answer = new LabelAnswer(message.Id, message.Ranking, message.Skipped, message.Undone, string.IsNullOrWhiteSpace(message.Labeler) ? "person" : message.Labeler);
        int kinds = (answer.Ranking is null ? 0 : 1) + (answer.Skipped ? 1 : 0) + (answer.Undone ? 1 : 0);
        if (kinds != 1) throw new ArgumentException($"an answer to \"{answer.Id}\" holds exactly one of a ranking, a skip or an undo");
        if (Answers.Problem(answer) is { } problem) throw new ArgumentException(problem);
        if (IsComplete) throw new InvalidOperationException($"every request of iteration {_iteration} is answered and the job has gone on; this answer was not recorded");
        _log.Append(answer);
        Answers.Apply(answer);
        if (IsComplete) _complete.TrySetResult();
        return new LabelProgress(Answered, _requests.Count, IsComplete);
    }

    public void Dispose() => _log.Dispose();
}
