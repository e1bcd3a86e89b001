namespace DistGen.Contracts.Security;

/// <summary>
/// Marks a grain method that clients (the <c>distgen</c> console, or any Orleans client on the gateway) may call, and
/// the least <see cref="ClientRole"/> a caller needs on a TLS cluster. Every other method of a DistGen grain is
/// internal to the cluster's silos and refused to clients (Grains/Security/ClientApiFilter.cs).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ClientCallableAttribute(ClientRole role) : Attribute
{
    public ClientRole Role { get; } = role;
}
