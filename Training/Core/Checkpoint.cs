using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>
/// Saves and restores everything a run needs to continue bit-exactly: module parameters (and buffers), optimizer state,
/// libtorch's global RNG state, named private generators and named counters (step, environment RNG states, ...).
/// </summary>
/// <remarks>
/// A run folder holds the latest checkpoint and the one before it. A save writes this writer's temporary file, flushes it
/// to disk and only then (if the run is still this writer's) moves the latest aside as the previous one and puts the new
/// one in its place, so a crash at any moment leaves at least one complete checkpoint. Every file ends with the SHA-256
/// of everything before it: a truncated or altered file is refused with <see cref="CheckpointCorruptException"/> before
/// any of it is loaded, and <see cref="Resume"/> falls back to the previous checkpoint.
/// </remarks>
public static class Checkpoint
{
    public const string FileName = "checkpoint.bin";
    public const string PreviousFileName = "checkpoint.prev.bin";
    /// <summary>Where a damaged latest checkpoint is moved when a run falls back to the previous one.</summary>
    public const string DamagedFileName = "checkpoint.bin.damaged";
    private const string Magic = "DISTGEN-CKPT";
    private const int FormatVersion = 3;
    private const int HashBytes = 32;

    /// <summary>Writes the run's new latest checkpoint (see the remarks for how a crash or a superseded writer is handled).</summary>
    public static void Save(RunContext ctx, IReadOnlyDictionary<string, nn.Module> modules,
        IReadOnlyDictionary<string, AdamOptimizer> optimizers, IReadOnlyDictionary<string, ulong>? counters = null,
        IReadOnlyDictionary<string, Generator>? generators = null)
    {
        var temporary = ctx.TemporaryPathOf(FileName);
        var (latest, previous) = (ctx.PathOf(FileName), ctx.PathOf(PreviousFileName));
        try
        {
            Write(temporary, modules, optimizers, counters, generators);
            ctx.Writer.ThrowIfSuperseded(FileName);
            if (File.Exists(latest)) File.Move(latest, previous, overwrite: true);
            File.Move(temporary, latest);
            ctx.Writer.ThrowIfSupersededWhileWriting(FileName);
        }
        catch (Exception e)
        {
            RunContext.TryDelete(temporary);
            if (e is IOException or UnauthorizedAccessException && e is not ArtifactWriteException) throw new ArtifactWriteException(latest, e);
            throw;
        }
    }

    /// <summary>
    /// Restores the run folder's latest good checkpoint in place and returns its counters; null when the folder has no
    /// checkpoint at all. A damaged latest checkpoint is moved aside (<see cref="DamagedFileName"/>), reported through the
    /// context's notices, and the previous one is used; when no good checkpoint is left, throws
    /// <see cref="CheckpointCorruptException"/> rather than starting over.
    /// </summary>
    public static IReadOnlyDictionary<string, ulong>? Resume(RunContext ctx, IReadOnlyDictionary<string, nn.Module> modules,
        IReadOnlyDictionary<string, AdamOptimizer> optimizers, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        var (latest, previous) = (ctx.PathOf(FileName), ctx.PathOf(PreviousFileName));
        if (!File.Exists(latest) && !File.Exists(previous)) return null;
        CheckpointCorruptException? damage = null;
        if (File.Exists(latest))
        {
            try
            {
                Verify(latest);
                return Load(latest, modules, optimizers, generators);
            }
            catch (CheckpointCorruptException e)
            {
                damage = e;
                if (!File.Exists(previous)) throw;
                ctx.Writer.ThrowIfSuperseded(FileName);
                File.Move(latest, ctx.PathOf(DamagedFileName), overwrite: true);
                ctx.Writer.ThrowIfSupersededWhileWriting(FileName);
                ctx.Notice($"{e.Message}; it was moved to {DamagedFileName} and the run continues from the previous checkpoint");
            }
        }
        try
        {
            Verify(previous);
        }
        catch (CheckpointCorruptException e) when (damage is not null)
        {
            throw new CheckpointCorruptException(previous, $"{e.Reason}, and the latest checkpoint was damaged too ({damage.Reason})");
        }
        return Load(previous, modules, optimizers, generators);
    }

    /// <summary>Restores modules, optimizers, generators and the global RNG in place from one file; returns the saved counters.</summary>
    /// <exception cref="CheckpointCorruptException">The file is truncated, altered or not a checkpoint of this format.</exception>
    public static IReadOnlyDictionary<string, ulong> Load(string path, IReadOnlyDictionary<string, nn.Module> modules,
        IReadOnlyDictionary<string, AdamOptimizer> optimizers, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        Verify(path);
        using var scope = NewDisposeScope();
        using var reader = OpenPayload(path);
        ReadNamed(reader, path, modules, (r, m) => m.load(r));
        ReadNamed(reader, path, optimizers, (r, o) => o.Load(r));
        var rngBytes = reader.ReadBytes(reader.ReadInt32());
        using (var rng = tensor(rngBytes, dtype: ScalarType.Byte)) set_rng_state(rng);
        ReadNamed(reader, path, generators ?? new Dictionary<string, Generator>(), (r, g) =>
        {
            using var state = tensor(r.ReadBytes(r.ReadInt32()), dtype: ScalarType.Byte);
            g.set_state(state);
        });
        int count = reader.ReadInt32();
        var counters = new Dictionary<string, ulong>(count);
        for (int i = 0; i < count; i++) counters[reader.ReadString()] = reader.ReadUInt64();
        return counters;
    }

    /// <summary>Restores only the modules' parameters (e.g. to sample from or evaluate a finished run).</summary>
    public static void LoadModules(string path, IReadOnlyDictionary<string, nn.Module> modules)
    {
        Verify(path);
        using var scope = NewDisposeScope();
        using var reader = OpenPayload(path);
        ReadNamed(reader, path, modules, (r, m) => m.load(r));
    }

    /// <summary>Checks that <paramref name="path"/> is a whole, unaltered checkpoint of this format, without loading it.</summary>
    /// <exception cref="CheckpointCorruptException">It is not; the reason says how.</exception>
    public static void Verify(string path)
    {
        using var stream = File.OpenRead(path);
        long length = stream.Length;
        if (length < HashBytes + Magic.Length + 1 + sizeof(int))
            throw new CheckpointCorruptException(path, $"it holds only {length} bytes (truncated)");
        using var reader = new BinaryReader(stream);
        try
        {
            if (reader.ReadString() != Magic) throw new CheckpointCorruptException(path, "it does not start with the DistGen checkpoint header");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new CheckpointCorruptException(path, $"it has checkpoint format {version}; this build reads format {FormatVersion}");
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointCorruptException(path, "it ends inside its header (truncated)");
        }
        stream.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        for (long remaining = length - HashBytes; remaining > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            hash.AppendData(buffer, 0, read);
            remaining -= read;
        }
        Span<byte> stored = stackalloc byte[HashBytes];
        stream.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new CheckpointCorruptException(path, "its SHA-256 does not match its contents (truncated or altered)");
    }

    private static void Write(string path, IReadOnlyDictionary<string, nn.Module> modules, IReadOnlyDictionary<string, AdamOptimizer> optimizers,
        IReadOnlyDictionary<string, ulong>? counters, IReadOnlyDictionary<string, Generator>? generators)
    {
        // The random-number states are read into tensors: made inside a scope, like every tensor of the training path.
        using var scope = NewDisposeScope();
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var sha = SHA256.Create();
        using (var hashed = new CryptoStream(file, sha, CryptoStreamMode.Write, leaveOpen: true))
        using (var writer = new BinaryWriter(hashed))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            WriteNamed(writer, modules, (w, m) => m.save(w));
            WriteNamed(writer, optimizers, (w, o) => o.Save(w));
            using var rng = get_rng_state();
            var rngBytes = rng.bytes.ToArray();
            writer.Write(rngBytes.Length);
            writer.Write(rngBytes);
            WriteNamed(writer, generators ?? new Dictionary<string, Generator>(), (w, g) =>
            {
                using var state = g.get_state();
                var bytes = state.bytes.ToArray();
                w.Write(bytes.Length);
                w.Write(bytes);
            });
            var c = counters ?? new Dictionary<string, ulong>();
            writer.Write(c.Count);
            foreach (var (name, value) in c.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.Write(name);
                writer.Write(value);
            }
        }
        file.Write(sha.Hash!);
        file.Flush(flushToDisk: true);
    }

    // A verified file: its payload is read from just after the header.
    private static BinaryReader OpenPayload(string path)
    {
        var reader = new BinaryReader(File.OpenRead(path));
        reader.ReadString();
        reader.ReadInt32();
        return reader;
    }

    private static void WriteNamed<T>(BinaryWriter writer, IReadOnlyDictionary<string, T> items, Action<BinaryWriter, T> write)
    {
        writer.Write(items.Count);
        foreach (var (name, item) in items.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            write(writer, item);
        }
    }

    private static void ReadNamed<T>(BinaryReader reader, string path, IReadOnlyDictionary<string, T> items, Action<BinaryReader, T> read)
    {
        int count = reader.ReadInt32();
        if (count != items.Count) throw new InvalidDataException($"{path} holds {count} entries where {items.Count} were expected");
        for (int i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!items.TryGetValue(name, out var item)) throw new InvalidDataException($"{path} holds '{name}', which this run does not have");
            read(reader, item);
        }
    }
}
