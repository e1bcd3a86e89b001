using System.Security.Cryptography;
using System.Text;

namespace DistGen.Grains.Security.Http;

/// <summary>
/// The bearer token of a silo's HTTP port (dashboard, job pages, metrics). Silos keep only its SHA-256
/// (<c>Security:HttpTokenSha256</c>), so their configuration does not hold the secret itself; the token is random
/// (256 bits), so a plain hash is enough to keep it from being guessed back.
/// </summary>
public static class HttpToken
{
    /// <summary>A new random token, URL-safe base64.</summary>
    public static string Create() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The lowercase hex SHA-256 of <paramref name="token"/>'s UTF-8 bytes, as <c>printf %s TOKEN | sha256sum</c> prints it.</summary>
    public static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether <paramref name="text"/> is a SHA-256 in hex (64 hex digits).</summary>
    public static bool IsSha256(string? text) => text is { Length: 64 } && text.All(Uri.IsHexDigit);
}
