using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>Turns the configured device name (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, <c>auto</c>) into a TorchSharp device.</summary>
public static class ComputeDevice
{
    /// <summary>The names a configuration may use.</summary>
    public const string Allowed = "cpu, cuda, cuda:N (N = GPU index), auto";

    /// <summary>Parses a device name; <c>auto</c> picks the first GPU when one is visible, else the CPU.</summary>
    public static Device Parse(string? name)
    {
        var text = (name ?? "auto").Trim().ToLowerInvariant();
        if (text == "cpu") return CPU;
        if (text == "auto") return cuda.is_available() ? CUDA : CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && !int.TryParse(text.AsSpan(5), out index) || index < 0)
                throw new ArgumentException($"device '{name}' is not valid; allowed: {Allowed}");
            if (!cuda.is_available())
                throw new ArgumentException($"device '{name}' asks for a GPU but TorchSharp sees none (CPU backend or no driver); use 'cpu' or 'auto', or build with -p:TorchBackend=cuda on a GPU machine");
            if (index >= cuda.device_count())
                throw new ArgumentException($"device '{name}' asks for GPU {index} but only {cuda.device_count()} are visible");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{name}' is not valid; allowed: {Allowed}");
    }

    /// <summary>True when <paramref name="name"/> is a syntactically valid device name (availability not checked).</summary>
    public static bool IsWellFormed(string? name)
    {
        var text = (name ?? "").Trim().ToLowerInvariant();
        return text is "cpu" or "cuda" or "auto"
               || text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out var i) && i >= 0;
    }
}
