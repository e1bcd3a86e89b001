using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.Security.Http;

/// <summary>
/// Keeps each route on its own port: the data plane's gRPC services answer only on the data-plane port, the dashboard
/// and <c>/healthz</c> only on the HTTP port, and everything on the HTTP port but <c>/healthz</c> and the probes under it needs the
/// <see cref="HttpAccess"/> token. The port is the one the connection reached (not the Host header, which the client
/// writes), so a request cannot borrow another port's route by naming it.
/// </summary>
public static class HttpPortGuard
{
    /// <summary>The path prefixes of the data plane's gRPC services (TensorExchange, ArtifactExchange).</summary>
    public static readonly string[] DataPlanePrefixes =
        ["/" + Wire.TensorExchange.Descriptor.FullName, "/" + Wire.ArtifactExchange.Descriptor.FullName];

    public static IApplicationBuilder UseHttpPortGuard(this IApplicationBuilder app, int? httpPort, HttpAccess access, string healthRoute) =>
        app.Use(async (context, next) =>
        {
            bool onHttpPort = httpPort is { } port && context.Connection.LocalPort == port;
            bool dataPlane = DataPlanePrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix, StringComparison.Ordinal));
            if (onHttpPort == dataPlane)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            // The health route and the probes under it (/healthz/live, ...) answer anyone: probes carry no credentials.
            if (onHttpPort && !context.Request.Path.StartsWithSegments(healthRoute, StringComparison.Ordinal) && !access.Admits(context.Request))
            {
                await HttpAccess.Refuse(context);
                return;
            }
            await next(context);
        });
}
