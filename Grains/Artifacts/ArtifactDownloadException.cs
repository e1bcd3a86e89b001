namespace DistGen.Grains.Artifacts;

/// <summary>A download of an artifact that did not complete intact; <see cref="Unreachable"/> when the data plane could not be reached.</summary>
public sealed class ArtifactDownloadException(string message, bool unreachable, Exception? inner = null) : Exception(message, inner)
{
    public bool Unreachable { get; } = unreachable;
}
