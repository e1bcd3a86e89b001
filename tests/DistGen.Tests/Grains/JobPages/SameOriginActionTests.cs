using DistGen.Grains.JobPages;
using Microsoft.AspNetCore.Http;

namespace DistGen.Tests.Grains.JobPages;

public sealed class SameOriginActionTests
{
    private static HttpRequest Request(string? action, string? origin)
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("127.0.0.1", 8080);
        if (action is not null) http.Request.Headers[SameOriginAction.Header] = action;
        if (origin is not null) http.Request.Headers.Origin = origin;
        return http.Request;
    }

    [Theory]
    [InlineData("cancel", null)]
    [InlineData("cancel", "http://127.0.0.1:8080")]
    public void The_pages_own_request_may_act(string action, string? origin) => Assert.Null(SameOriginAction.Refusal(Request(action, origin), "cancel"));

    [Theory]
    [InlineData(null, null, "needs the header")]
    [InlineData("submit", null, "needs the header")]
    [InlineData("cancel", "http://evil.example", "evil.example")]
    [InlineData("cancel", "https://127.0.0.1:8080", "not of this silo")]
    public void A_request_without_the_header_or_from_another_origin_is_refused_with_why(string? action, string? origin, string why) =>
        Assert.Contains(why, SameOriginAction.Refusal(Request(action, origin), "cancel"));
}
