using DistGen.Training.Rlhf;

namespace DistGen.Client.Labeling;

/// <summary><c>distgen label --auto</c>: a synthetic labeler answers every request of a source that has no standing answer.</summary>
public static class SyntheticLabeling
{
    /// <summary>Ranks each unanswered request in order and records it; answers how many it ranked.</summary>
    public static async Task<int> RankUnansweredAsync(ILabelSource source, SyntheticLabeler labeler, CancellationToken cancel)
    {
        int ranked = 0;
        foreach (var request in source.Requests.Where(r => !source.Answers.IsAnswered(r.Id)))
        {
            // Stops between answers: what was recorded stays, and the next run ranks the rest.
            cancel.ThrowIfCancellationRequested();
            await source.RecordAsync(labeler.Answer(request), cancel);
            ranked++;
        }
        return ranked;
    }
}
