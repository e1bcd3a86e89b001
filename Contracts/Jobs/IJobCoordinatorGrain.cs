using DistGen.Contracts.Security;

namespace DistGen.Contracts.Jobs;

/// <summary>One job's coordinator: owns parameters and optimizer, runs the rounds, keeps status. Key: job id.</summary>
public interface IJobCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Starts the job (called by the registry after validation and admission; internal to the silos).</summary>
    Task Start(string specJson, DateTimeOffset submittedAt);

    [ClientCallable(ClientRole.Viewer)]
    Task<JobStatus> GetStatus();

    /// <summary>The job's spec (JSON), for workers and shards that activate on a silo that has not seen the job.</summary>
    Task<string> GetSpec();

    /// <summary>A member says where it computes, once per activation (internal to the silos; status shows it).</summary>
    Task ReportMember(MemberDevice member);

    [ClientCallable(ClientRole.Operator)]
    Task Cancel();

    /// <summary>
    /// The manifest of the job's run folder and its subfolders: plain paths, sizes, SHA-256 and a download ticket per file, and the data-plane
    /// endpoint that streams them. The files themselves come over the data plane, never in a grain call.
    /// </summary>
    [ClientCallable(ClientRole.Viewer)]
    Task<ArtifactManifest> GetArtifacts();

    /// <summary>
    /// The manifest of one file of the run folder (e.g. samples.png), hashing only that file: empty when the job has no
    /// such file yet. Throws <see cref="ArgumentException"/> for a name that is not a plain file name.
    /// </summary>
    [ClientCallable(ClientRole.Viewer)]
    Task<ArtifactManifest> GetArtifact(string fileName);

    /// <summary>The job's curves from its metrics.csv, at most <paramref name="maxPoints"/> steps (capped at <see cref="JobCurves.MaxPoints"/>).</summary>
    [ClientCallable(ClientRole.Viewer)]
    Task<JobCurves> GetCurves(int maxPoints);

    /// <summary>The requests a job waiting for labels asks a person to rank, with the answers so far; null when it is not waiting.</summary>
    [ClientCallable(ClientRole.Viewer)]
    Task<LabelWork?> GetLabelWork();

    /// <summary>
    /// Records one answer of a person (appended to the run folder's answers file and flushed before this returns). When
    /// every request is answered the job goes on. Throws <see cref="ArgumentException"/> for an answer that does not fit
    /// the requests, and <see cref="InvalidOperationException"/> when the job is not waiting for labels.
    /// </summary>
    [ClientCallable(ClientRole.Operator)]
    Task<LabelProgress> SubmitLabel(LabelAnswerMessage answer);
}
