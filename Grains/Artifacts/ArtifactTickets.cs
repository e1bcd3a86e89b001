using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;

namespace DistGen.Grains.Artifacts;

/// <summary>
/// Download tickets: short-lived capabilities, each for one file of one job's run folder, issued with a job's manifest
/// (<see cref="ArtifactManifests"/>) and checked by <see cref="ArtifactExchangeService"/> on any silo. A ticket carries the
/// file's size, its SHA-256 and an expiry, signed with HMAC-SHA256 over those, the job id and the file name, under a key
/// derived (HKDF) from the cluster secret, which only silos hold. A console can present a ticket but neither make nor
/// alter one, and a ticket opens that file of that job until it expires: no other file, and not the tensor methods,
/// which ask for the cluster secret itself.
/// </summary>
public sealed class ArtifactTickets
{
    private const byte Version = 1;
    private const int ExpiryAt = 1, SizeAt = 9, HashAt = 17;
    // version, expiry (Unix milliseconds), size, SHA-256; then the MAC.
    private const int SignedLength = HashAt + SHA256.HashSizeInBytes;
    private const int Length = SignedLength + HMACSHA256.HashSizeInBytes;
    private static readonly byte[] Purpose = "distgen/artifact-ticket/v1"u8.ToArray();

    private readonly byte[] _key;

    public ArtifactTickets(ClusterSecret secret) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret.Value), HMACSHA256.HashSizeInBytes, salt: [], info: Purpose);

    /// <summary>A ticket for the first <paramref name="size"/> bytes of <paramref name="fileName"/> of <paramref name="jobId"/>, valid until <paramref name="expires"/>.</summary>
    public string Issue(string jobId, string fileName, long size, ReadOnlySpan<byte> sha256, DateTimeOffset expires)
    {
        if (!PlainNames.IsPlain(jobId) || !PlainNames.IsPlainPath(fileName))
            throw new ArgumentException($"no ticket for '{jobId}' / '{fileName}': a job id must be a plain name and a file name a plain path");
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (sha256.Length != SHA256.HashSizeInBytes) throw new ArgumentException("a SHA-256 has 32 bytes", nameof(sha256));
        Span<byte> ticket = stackalloc byte[Length];
        ticket[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(ticket[ExpiryAt..], expires.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(ticket[SizeAt..], size);
        sha256.CopyTo(ticket[HashAt..]);
        Sign(jobId, fileName, ticket[..SignedLength], ticket[SignedLength..]);
        return Base64Url.EncodeToString(ticket);
    }

    /// <summary>
    /// Reads <paramref name="ticket"/> as presented for <paramref name="fileName"/> of <paramref name="jobId"/>: true, with
    /// what it grants, when a silo of this cluster issued it for exactly that file and it is still valid at
    /// <paramref name="now"/>; false with the reason otherwise.
    /// </summary>
    public bool TryRead(string jobId, string fileName, string? ticket, DateTimeOffset now, out ArtifactGrant grant, out string problem)
    {
        grant = default;
        Span<byte> bytes = stackalloc byte[Length];
        if (!PlainNames.IsPlain(jobId) || !PlainNames.IsPlainPath(fileName))
        {
            problem = "a job id must be a plain name and a file name a plain path";
            return false;
        }
        if (ticket is null || !Base64Url.IsValid(ticket, out int length) || length != Length
            || !Base64Url.TryDecodeFromChars(ticket, bytes, out _) || bytes[0] != Version)
        {
            problem = "the ticket is not a download ticket of this cluster";
            return false;
        }
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Sign(jobId, fileName, bytes[..SignedLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[SignedLength..]))
        {
            problem = $"the ticket was not issued by this cluster for {jobId}/{fileName}";
            return false;
        }
        // Signed by a silo, so the numbers are the silo's own.
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes[ExpiryAt..]));
        if (now >= expires)
        {
            problem = $"the ticket for {jobId}/{fileName} expired at {expires:u}: run distgen fetch again for fresh ones";
            return false;
        }
        grant = new ArtifactGrant(BinaryPrimitives.ReadInt64LittleEndian(bytes[SizeAt..]), bytes.Slice(HashAt, SHA256.HashSizeInBytes).ToArray(), expires);
        problem = "";
        return true;
    }

    private void Sign(string jobId, string fileName, ReadOnlySpan<byte> fields, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        AppendName(hmac, jobId);
        AppendName(hmac, fileName);
        hmac.AppendData(fields);
        hmac.GetHashAndReset(mac);
    }

    // Length-prefixed, so that ("ab", "c") and ("a", "bc") are signed differently.
    private static void AppendName(IncrementalHash hmac, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hmac.AppendData(length);
        hmac.AppendData(bytes);
    }
}
