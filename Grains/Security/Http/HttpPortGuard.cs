using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DistGen.Grains.Security.Http;

/// <summary>
/// Keeps each route on its own port: the data plane's gRPC service answers only on the data-plane port, the dashboard
/// and <c>/healthz</c> only on the HTTP port, and everything on the HTTP port but <c>/healthz</c> needs the
/// <see cref="HttpAccess"/> token. The port is the one the connection reached (not the Host header, which the client
/// writes), so a request cannot borrow another port's route by naming it.
/// </summary>
public static class HttpPortGuard
{
    /// <summary>The path prefix of the data plane's gRPC service (package distgen.dataplane.v1, service TensorExchange).</summary>
    public const string DataPlanePrefix = "/distgen.dataplane.v1.TensorExchange";

    public static IApplicationBuilder UseHttpPortGuard(this IApplicationBuilder app, int? httpPort, HttpAccess access, string healthRoute) =>
        app.Use(async (context, next) =>
        {
            bool onHttpPort = httpPort is { } port && context.Connection.LocalPort == port;
            bool dataPlane = context.Request.Path.StartsWithSegments(DataPlanePrefix, StringComparison.Ordinal);
            if (onHttpPort == dataPlane)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            if (onHttpPort && !context.Request.Path.Equals(healthRoute, StringComparison.Ordinal) && !access.Admits(context.Request))
            {
                await HttpAccess.Refuse(context);
                return;
            }
            await next(context);
        });
}
