using Microsoft.AspNetCore.Http;

namespace DistGen.Grains.JobPages;

/// <summary>
/// What a state-changing request of the job pages (cancel) must carry so that another web site cannot make a browser
/// send it with the credentials the browser remembers for this silo: the header <see cref="Header"/> (a page of another
/// origin cannot add it without a CORS preflight, which this silo never grants) and, when the browser names an
/// <c>Origin</c>, this silo's own.
/// </summary>
public static class SameOriginAction
{
    public const string Header = "X-DistGen-Action";

    /// <summary>Null when <paramref name="request"/> may act as <paramref name="action"/>; otherwise why not.</summary>
    public static string? Refusal(HttpRequest request, string action)
    {
        if (!string.Equals(request.Headers[Header].ToString(), action, StringComparison.Ordinal))
            return $"this request needs the header {Header}: {action} (sent by the job page's button; a form of another site cannot send it)";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        var own = $"{request.Scheme}://{request.Host}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ? null
            : $"this request comes from a page of {origin}, not of this silo ({own})";
    }
}
