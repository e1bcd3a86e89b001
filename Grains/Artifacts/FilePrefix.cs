namespace DistGen.Grains.Artifacts;

/// <summary>
/// Reads the first bytes of a run-folder file in chunks. A manifest describes a file by the prefix its size names, and a
/// download sends exactly that prefix: a file appended meanwhile (metrics.csv while the job runs) still matches, and
/// one that was replaced (a new checkpoint) or truncated does not.
/// </summary>
internal static class FilePrefix
{
    /// <summary>
    /// The first <paramref name="size"/> bytes of <paramref name="file"/>, each chunk read into <paramref name="buffer"/>
    /// (so a chunk is valid until the next is asked for). Throws <see cref="EndOfStreamException"/> when the file is shorter.
    /// </summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ChunksAsync(Stream file, long size, Memory<byte> buffer,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        for (long offset = 0; offset < size;)
        {
            var chunk = buffer[..(int)Math.Min(buffer.Length, size - offset)];
            await file.ReadExactlyAsync(chunk, cancel).ConfigureAwait(false);
            yield return chunk;
            offset += chunk.Length;
        }
    }

    /// <summary>Opens a run-folder file for reading while its writer may replace or append to it.</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
