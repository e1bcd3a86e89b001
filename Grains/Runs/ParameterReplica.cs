using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Grains.Runs;

/// <summary>
/// A member's copy of one of the coordinator's networks: built on first use on the member's device, and loaded with a published version's
/// parameters pulled from the coordinator's silo, only when the version asked for is not the one it holds. Every pull
/// is checked (<see cref="TensorCheck"/>: the network's size, finite values) before it is assigned.
/// </summary>
public sealed class ParameterReplica<TModule>(ITensorExchange exchange, DataPlanePeers peers, string what) : IDisposable where TModule : nn.Module
{
    private TModule? _module;
    private TensorKey? _loaded;

    /// <summary>
    /// The network with the parameters published under <paramref name="key"/> on <paramref name="coordinator"/>'s silo,
    /// built by <paramref name="create"/> and moved to <paramref name="device"/> the first time.
    /// </summary>
    public async Task<TModule> LoadAsync(SiloAddress coordinator, TensorKey key, Func<TModule> create, Device device)
    {
        if (_module is not null && _loaded == key) return _module;
        var parameters = await exchange.PullAsync(await peers.EndpointOf(coordinator), key);
        _loaded = null;
        // Synchronous on a pool thread: libtorch's dispose scopes and grad mode follow threads, not awaits.
        var module = await Task.Run(() =>
        {
            var built = _module ??= OnDevice(create(), device);
            TensorCheck.Incoming(parameters, [ParameterVector.Count(built.parameters())], $"{what} {key}");
            ParameterVector.Assign(built.parameters(), parameters.Data);
            return built;
        });
        _loaded = key;
        return module;
    }

    private static TModule OnDevice(TModule module, Device device)
    {
        module.to(device);
        return module;
    }

    public void Dispose()
    {
        _module?.Dispose();
        (_module, _loaded) = (null, null);
    }
}
