using DistGen.Contracts.Jobs;

namespace DistGen.Grains.Runs;

/// <summary>A run that can wait for a person's labels: the coordinator hands it the calls of <c>distgen label JOB-ID</c>.</summary>
public interface ILabelDesk
{
    /// <summary>The requests and the answers so far while the run waits for labels; null otherwise.</summary>
    LabelWork? Work { get; }

    /// <summary>Records an answer for good (appended and flushed), then applies it; see <see cref="IJobCoordinatorGrain.SubmitLabel"/>.</summary>
    LabelProgress Submit(LabelAnswerMessage answer);
}
