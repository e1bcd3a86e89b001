using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>
/// What every trainer gets: where to write, the seed, the device, a progress sink, a stop signal, the fence that says
/// whether this writer may still write the run's artifacts (<see cref="SoleWriter"/> unless a cluster run says otherwise)
/// and a sink for notices.
/// </summary>
public sealed record RunContext(
    string OutputDirectory,
    long Seed,
    Device Device,
    IProgress<TrainingProgress>? Progress = null,
    CancellationToken Cancellation = default,
    IArtifactFence? Fence = null,
    Action<string>? Notices = null)
{
    /// <summary>A context on the CPU, for tests and benchmarks.</summary>
    public static RunContext OnCpu(string outputDirectory, long seed) => new(outputDirectory, seed, CPU);

    public IArtifactFence Writer => Fence ?? SoleWriter.Instance;

    public string PathOf(string fileName) => Path.Combine(OutputDirectory, fileName);

    /// <summary>Tells the run's owner something it should know but that does not stop the run (e.g. a damaged checkpoint was skipped).</summary>
    public void Notice(string message) => Notices?.Invoke(message);

    /// <summary>This writer's temporary file for <paramref name="fileName"/>: never shared with another writer.</summary>
    public string TemporaryPathOf(string fileName) => PathOf($"{fileName}.{Writer.WriterId}.tmp");

    /// <summary>
    /// Writes an artifact whole or not at all: <paramref name="write"/> fills this writer's temporary file, which is
    /// flushed to disk and, if the run is still this writer's, renamed over the artifact. A reader (or a crash) never
    /// sees half a file. A writer superseded before the rename does not write; one superseded between its check and the
    /// rename is told so right after it (see <see cref="IArtifactFence.ThrowIfSupersededWhileWriting"/>).
    /// </summary>
    public void WriteArtifact(string fileName, Action<string> write)
    {
        var temporary = TemporaryPathOf(fileName);
        try
        {
            write(temporary);
            using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite)) written.Flush(flushToDisk: true);
            Writer.ThrowIfSuperseded(fileName);
            File.Move(temporary, PathOf(fileName), overwrite: true);
            Writer.ThrowIfSupersededWhileWriting(fileName);
        }
        catch (Exception e)
        {
            TryDelete(temporary);
            if (e is IOException or UnauthorizedAccessException && e is not ArtifactWriteException) throw new ArtifactWriteException(PathOf(fileName), e);
            throw;
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception)
        {
            // Best effort: a leftover temporary file is ignored by readers and replaced by the next write.
        }
    }
}
