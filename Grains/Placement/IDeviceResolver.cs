using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Grains.Placement;

/// <summary>
/// Turns a device name (<c>cpu</c>, <c>cuda:1</c>) into the TorchSharp device a model is built on. A silo's resolver is
/// <see cref="TorchDeviceResolver"/>; tests on a machine without a GPU register one that records the names it is given
/// and answers the CPU, so the rest of the path (ledger, device index, the model's move) is the one that runs on GPUs.
/// </summary>
public interface IDeviceResolver
{
    Device Resolve(string name);
}

/// <summary>The real resolver: <see cref="ComputeDevice.Parse"/>, which refuses a CUDA device this process cannot see.</summary>
public sealed class TorchDeviceResolver : IDeviceResolver
{
    public Device Resolve(string name) => ComputeDevice.Parse(name);
}
