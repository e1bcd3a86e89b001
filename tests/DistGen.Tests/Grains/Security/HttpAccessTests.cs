using System.Text;
using DistGen.Grains.Security.Http;
using Microsoft.AspNetCore.Http;

namespace DistGen.Tests.Grains.Security;

/// <summary>The HTTP port's token: only its hash is configured, and it opens the port as a bearer token or a basic-auth password.</summary>
public sealed class HttpAccessTests
{
    private static HttpRequest Request(string? authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        return context.Request;
    }

    private static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public void The_hash_is_what_sha256sum_prints_for_the_token()
    {
        // FIPS 180-2's test vector: printf %s abc | sha256sum.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", HttpToken.Sha256("abc"));
        var token = HttpToken.Create();
        Assert.Equal(43, token.Length);
        Assert.True(HttpToken.IsSha256(HttpToken.Sha256(token)));
        Assert.NotEqual(token, HttpToken.Create());
    }

    [Fact]
    public void The_token_opens_the_port_as_bearer_or_basic_password_and_nothing_else_does()
    {
        var token = HttpToken.Create();
        var access = new HttpAccess(HttpToken.Sha256(token));

        Assert.True(access.Required);
        Assert.True(access.Admits(Request($"Bearer {token}")));
        Assert.True(access.Admits(Request(Basic("anyone", token))));
        Assert.True(access.Admits(Request(Basic("", token))));

        Assert.False(access.Admits(Request(null)));
        Assert.False(access.Admits(Request($"Bearer {token}x")));
        Assert.False(access.Admits(Request($"Bearer {HttpToken.Sha256(token)}")));
        Assert.False(access.Admits(Request(Basic(token, "wrong"))));
        Assert.False(access.Admits(Request("Basic !!!not-base64")));
        Assert.False(access.Admits(Request("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(token)))));
        Assert.False(access.Admits(Request($"Digest {token}")));
    }

    [Fact]
    public void Without_a_hash_the_port_is_open_and_a_malformed_hash_is_a_named_error()
    {
        Assert.False(HttpAccess.Open.Required);
        Assert.True(HttpAccess.Open.Admits(Request(null)));
        var bad = Assert.Throws<ArgumentException>(() => new HttpAccess("abc"));
        Assert.Contains("Security:HttpTokenSha256 is not a SHA-256 in hex", bad.Message);
    }
}
