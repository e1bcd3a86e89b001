namespace DistGen.Grains.Security;

/// <summary>
/// Stamps every grain call leaving this process with the <see cref="SiloCallCredential"/>, overwriting whatever a client
/// put under that key. Registered on every silo (and, in tests and benchmarks, on a client that stands for a silo).
/// </summary>
public sealed class SiloCallStamp(SiloCallCredential credential) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        RequestContext.Set(SiloCallCredential.Key, credential.Token);
        return context.Invoke();
    }
}
