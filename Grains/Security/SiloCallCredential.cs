using System.Security.Cryptography;
using System.Text;
using DistGen.Grains.DataPlane;

namespace DistGen.Grains.Security;

/// <summary>
/// What a silo's outgoing grain calls carry to show they come from inside the cluster: an HMAC-SHA256 of a fixed label
/// under the cluster secret (DataPlane:Secret), sent as a request-context entry by <see cref="SiloCallStamp"/> and checked
/// in constant time by <see cref="ClientApiFilter"/>. It proves knowledge of the secret without being the secret, so the
/// data-plane secret is not exposed where grain calls travel.
/// </summary>
public sealed class SiloCallCredential
{
    /// <summary>The request-context key of the credential.</summary>
    public const string Key = "distgen-silo-call";

    private static readonly byte[] Label = Encoding.UTF8.GetBytes("distgen/silo-call/v1");

    private readonly byte[] _token;

    public SiloCallCredential(ClusterSecret secret)
    {
        _token = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret.Value), Label);
        Token = Convert.ToBase64String(_token);
    }

    /// <summary>The value a silo call carries.</summary>
    internal string Token { get; }

    /// <summary>True when <paramref name="presented"/> is this cluster's credential; constant time in its content.</summary>
    public bool Matches(object? presented)
    {
        if (presented is not string text) return false;
        Span<byte> decoded = stackalloc byte[HMACSHA256.HashSizeInBytes];
        return Convert.TryFromBase64String(text, decoded, out int length)
            && length == decoded.Length
            && CryptographicOperations.FixedTimeEquals(decoded, _token);
    }

    public override string ToString() => "***";
}
