namespace DistGen.Contracts.Jobs;

/// <summary>
/// What <see cref="IJobCoordinatorGrain.GetArtifacts"/> answers: the files of a job's run folder and the data-plane
/// endpoint (<c>ArtifactExchange</c> of <c>protos/artifact_exchange.proto</c>) of the coordinator's silo, which streams
/// each file to whoever presents its <see cref="JobArtifact.Ticket"/>. Small whatever the files weigh.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ArtifactManifest(
    [property: Id(0)] string JobId,
    [property: Id(1)] string DataPlaneEndpoint,
    [property: Id(2)] JobArtifact[] Files);
