using System.Collections.Concurrent;
using System.Reflection;
using DistGen.Contracts.Security;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Security;

/// <summary>
/// The boundary between clients and the cluster's insides, on every silo. A call carrying the
/// <see cref="SiloCallCredential"/> comes from a silo and goes through. Any other call reaches only a method marked
/// <see cref="ClientCallableAttribute"/> (and Orleans' management grain only for what <c>distgen cluster</c> reads), so a
/// client cannot start a coordinator under a key of its choosing, order a worker to push to an address, or touch the
/// accelerator ledger. On a TLS cluster the call must also carry a <see cref="CallerProof"/> signed with a certificate
/// of the cluster's CA whose role is enough for the method: a viewer reads, an operator also submits and cancels.
/// Without TLS (a laptop, loopback silos, <c>Security:AllowInsecure</c>) there are no certificates and so no roles:
/// whoever reaches the gateway is an operator. Orleans' own grains and extensions (reminders, the dashboard's grains)
/// are not DistGen's to filter.
/// </summary>
/// <remarks>
/// Orleans does not tell a grain which connection a call arrived on, and a gateway does not check the sender a client
/// writes into its messages, so the caller's grain id proves nothing: the credential and the proof do.
/// </remarks>
public sealed class ClientApiFilter(SiloCallCredential credential, TransportSecurity security, ILogger<ClientApiFilter> logger,
    TimeProvider? time = null) : IIncomingGrainCallFilter
{
    private static readonly HashSet<string> ManagementReads =
        [nameof(IManagementGrain.GetHosts), nameof(IManagementGrain.GetDetailedHosts), nameof(IManagementGrain.GetSimpleGrainStatistics)];

    private static readonly ConcurrentDictionary<MethodInfo, ClientAccess> Access = new();

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (credential.Matches(RequestContext.Get(SiloCallCredential.Key))) return context.Invoke();

        var access = context.InterfaceMethod is { } method ? AccessTo(method)
            : context.Grain?.GetType().Namespace?.StartsWith("DistGen.", StringComparison.Ordinal) == true ? ClientAccess.Internal : ClientAccess.Open;
        var name = $"{context.InterfaceMethod?.DeclaringType?.Name ?? context.InterfaceName}.{context.MethodName}";
        if (access.IsOpen) return context.Invoke();
        if (access.Least is not { } least)
        {
            logger.LogWarning("Refused a call to {Method} on {Grain} without the silo credential (a client calling inside the cluster)", name, context.TargetId);
            throw new UnauthorizedAccessException(
                $"{name} is internal to the cluster's silos; a client may call only the registry's Submit and List and a job's " +
                "GetStatus, Cancel, GetArtifacts, GetArtifact, GetCurves, GetLabelWork and SubmitLabel");
        }
        if (security.Certificates is not { } certificates) return context.Invoke();

        var role = ProvenRole(context, certificates, out var problem);
        if (role is null || role < least)
        {
            var reason = role is null ? $"refused {name}: {problem}" : $"{name} needs an operator certificate, and this call was signed with a viewer's";
            logger.LogWarning("Refused a client's call to {Method} on {Grain}: {Reason}", name, context.TargetId, reason);
            throw new UnauthorizedAccessException(reason);
        }
        return context.Invoke();
    }

    /// <summary>Whether clients may call <paramref name="method"/> without the silo credential, and in which least role.</summary>
    public static ClientAccess AccessTo(MethodInfo method) => Access.GetOrAdd(method, static m =>
    {
        var type = m.DeclaringType;
        if (type == typeof(IManagementGrain)) return ManagementReads.Contains(m.Name) ? ClientAccess.For(ClientRole.Viewer) : ClientAccess.Internal;
        if (type?.Namespace?.StartsWith("DistGen.", StringComparison.Ordinal) != true) return ClientAccess.Open;
        return m.GetCustomAttribute<ClientCallableAttribute>(inherit: false) is { } callable ? ClientAccess.For(callable.Role) : ClientAccess.Internal;
    });

    /// <summary>True when clients may call <paramref name="method"/> without the silo credential (in some role).</summary>
    public static bool IsOpenToClients(MethodInfo method) => AccessTo(method) is var access && (access.IsOpen || access.Least is not null);

    private ClientRole? ProvenRole(IIncomingGrainCallContext context, ClusterCertificates certificates, out string problem)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (!CallerProof.TryRead(RequestContext.Get(CallerProof.Key), context.TargetId, context.InterfaceName, context.MethodName, now, out var signer, out problem))
            return null;
        using (signer)
        {
            if (!certificates.Admits(signer, TlsSide.Client, CertificateRoles.Any, out problem))
            {
                problem = $"the caller proof's certificate is refused: {problem}";
                return null;
            }
            // A silo's certificate used by a client (tools, benchmarks) may do what an operator may.
            return ClusterCertificates.RoleOf(signer!) == CertificateRole.Viewer ? ClientRole.Viewer : ClientRole.Operator;
        }
    }
}

/// <summary>
/// Who may call a grain method from outside the silos: anyone (<see cref="IsOpen"/>, Orleans' own grains), clients
/// holding at least <see cref="Least"/>, or nobody (<see cref="Internal"/>).
/// </summary>
public readonly record struct ClientAccess(bool IsOpen, ClientRole? Least)
{
    public static ClientAccess Open => new(true, null);

    public static ClientAccess Internal => new(false, null);

    public static ClientAccess For(ClientRole least) => new(false, least);
}
