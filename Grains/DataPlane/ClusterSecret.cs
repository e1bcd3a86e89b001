using System.Security.Cryptography;
using System.Text;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The cluster secret every data-plane call carries in the <see cref="Header"/> metadata entry. Compared in constant
/// time over SHA-256 digests (equal lengths whatever the input), so timing tells nothing about the secret; the
/// value is never logged or shown.
/// </summary>
public sealed class ClusterSecret
{
    /// <summary>The gRPC metadata key of the secret.</summary>
    public const string Header = "x-distgen-secret";

    private readonly byte[] _digest;

    public ClusterSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Value = secret;
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>The secret itself, for the client's call headers only.</summary>
    internal string Value { get; }

    /// <summary>True when <paramref name="presented"/> is the secret; constant time in its content.</summary>
    public bool Matches(string? presented)
    {
        if (presented is null) return false;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    public override string ToString() => "***";
}
