using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>
/// Saves and restores everything a run needs to continue bit-exactly: module parameters (and buffers),
/// optimizer state, libtorch's global RNG state, named private generators and named scalar counters (step, environment RNG states, ...).
/// </summary>
public static class Checkpoint
{
    private const string Magic = "DISTGEN-CKPT";
    private const int FormatVersion = 2;

    public static void Save(string path, IReadOnlyDictionary<string, nn.Module> modules,
        IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> optimizers, IReadOnlyDictionary<string, ulong>? counters = null,
        IReadOnlyDictionary<string, Generator>? generators = null)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            WriteNamed(writer, modules, (w, m) => m.save(w));
            WriteNamed(writer, optimizers, (w, o) => o.save_state_dict(w));
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
        // Write-then-rename, so a crash mid-save never leaves a truncated checkpoint in place of a good one.
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Restores modules, optimizers, generators and the global RNG in place; returns the saved counters.</summary>
    public static IReadOnlyDictionary<string, ulong> Load(string path, IReadOnlyDictionary<string, nn.Module> modules,
        IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> optimizers, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        try
        {
            return LoadUnchecked(path, modules, optimizers, generators ?? new Dictionary<string, Generator>());
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is not a DistGen checkpoint or is truncated");
        }
    }

    /// <summary>Restores only the modules' parameters (e.g. to sample from or evaluate a finished run).</summary>
    public static void LoadModules(string path, IReadOnlyDictionary<string, nn.Module> modules)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            ReadHeader(reader, path);
            ReadNamed(reader, path, modules, (r, m) => m.load(r));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is not a DistGen checkpoint or is truncated");
        }
    }

    private static void ReadHeader(BinaryReader reader, string path)
    {
        if (reader.ReadString() != Magic) throw new InvalidDataException($"{path} is not a DistGen checkpoint");
        int version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"{path} has checkpoint format {version}; this build reads {FormatVersion}");
    }

    private static IReadOnlyDictionary<string, ulong> LoadUnchecked(string path, IReadOnlyDictionary<string, nn.Module> modules,
        IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> optimizers, IReadOnlyDictionary<string, Generator> generators)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        ReadHeader(reader, path);
        ReadNamed(reader, path, modules, (r, m) => m.load(r));
        ReadNamed(reader, path, optimizers, (r, o) => o.load_state_dict(r));
        var rngBytes = reader.ReadBytes(reader.ReadInt32());
        using (var rng = tensor(rngBytes, dtype: ScalarType.Byte)) set_rng_state(rng);
        ReadNamed(reader, path, generators, (r, g) =>
        {
            using var state = tensor(r.ReadBytes(r.ReadInt32()), dtype: ScalarType.Byte);
            g.set_state(state);
        });
        int count = reader.ReadInt32();
        var counters = new Dictionary<string, ulong>(count);
        for (int i = 0; i < count; i++) counters[reader.ReadString()] = reader.ReadUInt64();
        return counters;
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
