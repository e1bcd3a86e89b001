using System.Collections.Concurrent;
using System.Reflection;
using DistGen.Contracts.Security;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Security;

/// <summary>
/// The boundary between clients and the cluster's insides. A call to a DistGen grain goes through only when its method is
/// marked <see cref="ClientCallableAttribute"/> or the call carries the <see cref="SiloCallCredential"/> (it comes from a
/// silo). Orleans' management grain is open to clients only for what <c>distgen cluster</c> reads. So a client cannot
/// start a coordinator under a key of its choosing, order a worker to push to an address, or touch the accelerator
/// ledger. Orleans' own grains and extensions (reminders, the dashboard's grains) are not DistGen's to filter.
/// </summary>
/// <remarks>
/// Orleans does not tell a grain which connection a call arrived on, and a gateway does not check the sender a client
/// writes into its messages, so the caller's grain id proves nothing: the credential does.
/// </remarks>
public sealed class ClientApiFilter(SiloCallCredential credential, ILogger<ClientApiFilter> logger) : IIncomingGrainCallFilter
{
    private static readonly HashSet<string> ManagementReads =
        [nameof(IManagementGrain.GetHosts), nameof(IManagementGrain.GetDetailedHosts), nameof(IManagementGrain.GetSimpleGrainStatistics)];

    private static readonly ConcurrentDictionary<MethodInfo, bool> OpenMethods = new();

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod is not { } method || IsOpenToClients(method) || credential.Matches(RequestContext.Get(SiloCallCredential.Key)))
            return context.Invoke();

        var name = $"{method.DeclaringType?.Name}.{method.Name}";
        logger.LogWarning("Refused a call to {Method} on {Grain} without the silo credential (a client calling inside the cluster)", name, context.TargetId);
        throw new UnauthorizedAccessException(
            $"{name} is internal to the cluster's silos; a client may call only the registry's Submit and List and a job's " +
            "GetStatus, Cancel and GetArtifacts");
    }

    /// <summary>True when clients may call <paramref name="method"/> without the silo credential.</summary>
    public static bool IsOpenToClients(MethodInfo method) => OpenMethods.GetOrAdd(method, static m =>
    {
        var type = m.DeclaringType;
        if (type == typeof(IManagementGrain)) return ManagementReads.Contains(m.Name);
        if (type?.Namespace?.StartsWith("DistGen.", StringComparison.Ordinal) != true) return true;
        return m.IsDefined(typeof(ClientCallableAttribute), inherit: false);
    });
}
