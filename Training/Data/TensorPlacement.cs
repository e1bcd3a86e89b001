using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Data;

/// <summary>Moves a freshly built CPU tensor to the device a caller asked for, disposing the CPU copy.</summary>
internal static class TensorPlacement
{
    public static Tensor PlaceOn(this Tensor cpu, Device? device)
    {
        if (device is null || device.type == DeviceType.CPU) return cpu;
        using (cpu) return cpu.to(device);
    }
}
