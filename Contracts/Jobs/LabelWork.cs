namespace DistGen.Contracts.Jobs;

/// <summary>
/// What a job waiting for labels asks a person to rank: the iteration's requests and the standing answers, in the order
/// they were given (replayed, they give the same standing answers, so a labelling session resumes where the last one
/// stopped and its undo takes back the answer given last).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LabelWork(
    [property: Id(0)] int Iteration,
    [property: Id(1)] IReadOnlyList<LabelRequestMessage> Requests,
    [property: Id(2)] IReadOnlyList<LabelAnswerMessage> Answers);

/// <summary>One request: a prompt (the text before the verse, then its opening) and the completions to rank.</summary>
[GenerateSerializer, Immutable]
public sealed record LabelRequestMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string Context,
    [property: Id(2)] string Prompt,
    [property: Id(3)] IReadOnlyList<string> Completions);

/// <summary>One answer: a ranking (completion indices, best first), a skip, or the undoing of the request's earlier answer.</summary>
[GenerateSerializer, Immutable]
public sealed record LabelAnswerMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] int[]? Ranking,
    [property: Id(2)] bool Skipped,
    [property: Id(3)] bool Undone,
    [property: Id(4)] string Labeler);

/// <summary>Where labelling stands after an answer: requests answered (ranked or skipped) of all, and whether the job has gone on.</summary>
[GenerateSerializer, Immutable]
public sealed record LabelProgress(
    [property: Id(0)] int Answered,
    [property: Id(1)] int Requests,
    [property: Id(2)] bool Complete);
