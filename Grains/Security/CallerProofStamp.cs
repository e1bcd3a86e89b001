using System.Security.Cryptography.X509Certificates;

namespace DistGen.Grains.Security;

/// <summary>
/// Signs every grain call leaving a client of a TLS cluster with a <see cref="CallerProof"/> made with the client's
/// certificate, so that the silos can tell a viewer from an operator. Registered by the console when it has a certificate.
/// </summary>
public sealed class CallerProofStamp(X509Certificate2 certificate, TimeProvider? time = null) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        RequestContext.Set(CallerProof.Key, CallerProof.Create(certificate, context.TargetId, context.InterfaceName, context.MethodName, now));
        return context.Invoke();
    }
}
