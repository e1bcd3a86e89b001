using DistGen.Training.Rlhf;

namespace DistGen.Client.Labeling;

/// <summary>
/// The requests a labeler ranks and where the answers go. The console and the synthetic labeler work on this alone, so a
/// second source (a running cluster job that hands out requests and takes answers back) plugs in beside the file pair.
/// </summary>
public interface ILabelSource
{
    /// <summary>Where the requests come from, as the screen names it (a file path).</summary>
    string Name { get; }

    /// <summary>Where the answers go, as the closing message names it.</summary>
    string AnswersLocation { get; }

    /// <summary>The command that continues labelling where this session stops.</summary>
    string ResumeCommand { get; }

    /// <summary>Every request, in the order they are asked.</summary>
    IReadOnlyList<LabelRequest> Requests { get; }

    /// <summary>The standing answers: those given before this session and those recorded since.</summary>
    LabelAnswers Answers { get; }

    /// <summary>Keeps <paramref name="answer"/> for good (returns only once it is), then applies it to <see cref="Answers"/>.</summary>
    Task RecordAsync(LabelAnswer answer, CancellationToken cancel);
}
