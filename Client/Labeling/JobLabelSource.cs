using DistGen.Contracts.Jobs;
using DistGen.Training.Rlhf;

namespace DistGen.Client.Labeling;

/// <summary>
/// The requests of a running cluster job that waits for labels (<c>distgen label JOB-ID</c>): fetched from its coordinator
/// with the answers given so far, and each answer sent back the moment it is complete. The coordinator appends it to the
/// job's answers file and flushes it before the call returns, so quitting any way loses nothing already answered, and
/// the same command resumes.
/// </summary>
public sealed class JobLabelSource : ILabelSource
{
    private readonly IJobCoordinatorGrain _coordinator;

    private JobLabelSource(string jobId, IJobCoordinatorGrain coordinator, LabelWork work)
    {
        (JobId, _coordinator, Iteration) = (jobId, coordinator, work.Iteration);
        Requests = work.Requests.Select(r => new LabelRequest(r.Id, r.Context, r.Prompt, r.Completions)).ToList();
        Answers = new LabelAnswers(Requests);
        foreach (var answer in work.Answers) Answers.Apply(AnswerOf(answer));
    }

    public string JobId { get; }

    public int Iteration { get; }

    public string Name => $"job {JobId}, iteration {Iteration}";

    public string AnswersLocation => $"job {JobId}'s run folder (labels/iteration-{Iteration}/answers.jsonl)";

    public string ResumeCommand => $"distgen label {JobId}";

    public IReadOnlyList<LabelRequest> Requests { get; }

    public LabelAnswers Answers { get; }

    /// <summary>The job's requests, or null when it is not waiting for labels.</summary>
    public static async Task<JobLabelSource?> OpenAsync(IGrainFactory grains, string jobId)
    {
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        return await coordinator.GetLabelWork() is { } work ? new JobLabelSource(jobId, coordinator, work) : null;
    }

    public async Task RecordAsync(LabelAnswer answer, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        await _coordinator.SubmitLabel(new LabelAnswerMessage(answer.Id, answer.Ranking, answer.Skipped, answer.Undone, answer.Labeler));
        Answers.Apply(answer);
    }

    private static LabelAnswer AnswerOf(LabelAnswerMessage m) => new(m.Id, m.Ranking, m.Skipped, m.Undone, m.Labeler);
}
