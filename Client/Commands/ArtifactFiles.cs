using System.Text.RegularExpressions;
using DistGen.Contracts.Jobs;

namespace DistGen.Client.Commands;

/// <summary>
/// Writes a job's artifacts, as the cluster sent them, into a local folder, distrusting what arrived: every name must be
/// a plain file name (no path separator, no "..", no leading dot), no file may exceed <see cref="MaxFileBytes"/>, and no
/// name may come twice. All are checked before anything is written, and each file is written beside its final name
/// and then renamed, so a refused or interrupted fetch leaves earlier copies whole.
/// </summary>
public static partial class ArtifactFiles
{
    /// <summary>The largest artifact accepted (a checkpoint of the largest example is a few MiB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Checks every artifact, then writes them into <paramref name="folder"/>; throws <see cref="UntrustedArtifactException"/> first when one is refused.</summary>
    public static async Task WriteAllAsync(string folder, IReadOnlyList<JobArtifact> artifacts, CancellationToken cancel)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var artifact in artifacts)
        {
            if (Problem(artifact) is { } problem) throw new UntrustedArtifactException(problem);
            if (!seen.Add(artifact.FileName)) throw new UntrustedArtifactException($"the cluster sent the artifact '{artifact.FileName}' twice");
        }
        Directory.CreateDirectory(folder);
        foreach (var artifact in artifacts)
        {
            var path = Path.Combine(folder, artifact.FileName);
            var partial = path + ".partial";
            await File.WriteAllBytesAsync(partial, artifact.Content, cancel);
            File.Move(partial, path, overwrite: true);
        }
    }

    /// <summary>Why <paramref name="artifact"/> is refused, or null.</summary>
    public static string? Problem(JobArtifact artifact)
    {
        var name = artifact.FileName ?? "";
        if (!PlainFileName().IsMatch(name) || name.Contains(".."))
            return $"the cluster sent an artifact named '{Printable(name)}', which is not a plain file name (letters, digits, '.', '_', '-'); nothing was written";
        if (artifact.Content is null)
            return $"the cluster sent the artifact '{name}' without content; nothing was written";
        if (artifact.Content.LongLength > MaxFileBytes)
            return $"the cluster sent the artifact '{name}' of {artifact.Content.LongLength} bytes, above the limit of {MaxFileBytes} bytes; nothing was written";
        return null;
    }

    private static string Printable(string name) =>
        new(name.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex PlainFileName();
}

/// <summary>An artifact the console will not write: its name or size is not what a job's run folder holds.</summary>
public sealed class UntrustedArtifactException(string message) : Exception(message);
