using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace DistGen.Grains.Security.Http;

/// <summary>
/// Who may read a silo's HTTP port beyond <c>/healthz</c>: whoever presents the token whose SHA-256 the silo holds, as
/// <c>Authorization: Bearer TOKEN</c> or as the password of HTTP basic authentication (any user name; what a browser
/// asks for). Without a hash the port is open, which <see cref="Hosting.SiloHosting"/> allows only on loopback or
/// under <c>Security:AllowInsecure</c>.
/// </summary>
public sealed class HttpAccess
{
    /// <summary>The realm a browser shows when it asks for the token.</summary>
    public const string Realm = "distgen";

    private readonly byte[]? _hash;

    public HttpAccess(string? tokenSha256) =>
        _hash = string.IsNullOrWhiteSpace(tokenSha256) ? null
            : HttpToken.IsSha256(tokenSha256.Trim()) ? Convert.FromHexString(tokenSha256.Trim())
            : throw new ArgumentException(
                $"Security:HttpTokenSha256 is not a SHA-256 in hex (64 hex digits): give the content of http-token.sha256 from 'distgen cert init', " +
                "or printf %s TOKEN | sha256sum");

    /// <summary>An HTTP port that needs no token.</summary>
    public static HttpAccess Open { get; } = new(null);

    /// <summary>Whether a token is required.</summary>
    public bool Required => _hash is not null;

    /// <summary>Whether <paramref name="request"/> carries the token (always true when none is required).</summary>
    public bool Admits(HttpRequest request)
    {
        if (_hash is null) return true;
        var presented = PresentedToken(request.Headers.Authorization.ToString());
        if (presented is null) return false;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }

    /// <summary>Answers a request that lacks the token: 401, with the challenge that makes a browser ask for it.</summary>
    public static Task Refuse(HttpContext context)
    {
        context.Response.StatusCode = (int)HttpStatusCode.Unauthorized;
        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", Bearer realm=\"{Realm}\"";
        return context.Response.WriteAsync("this silo's HTTP port needs its token: Authorization: Bearer TOKEN, or basic authentication with the token as password\n");
    }

    private static string? PresentedToken(string authorization)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization["Bearer ".Length..].Trim();
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : pair[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
