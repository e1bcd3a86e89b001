using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Hosting;

/// <summary>
/// The body of <c>/healthz</c>: this silo's address, name and membership status. Served with 200 while the silo is
/// Active in the cluster, 503 while it joins, shuts down or is dead, so probes take it out of rotation as it drains.
/// </summary>
/// <param name="Silo">Orleans silo address (<c>ip:port@generation</c>).</param>
/// <param name="Name">Silo name.</param>
/// <param name="Status">Membership status as this silo sees itself: Joining, Active, ShuttingDown, Stopping, Dead.</param>
/// <param name="ClusterId">The cluster it belongs to.</param>
/// <param name="GatewayPort">Port clients connect to, or null without a gateway.</param>
public sealed record SiloHealth(string Silo, string Name, string Status, string ClusterId, int? GatewayPort)
{
    /// <summary>Answers a <c>/healthz</c> request.</summary>
    public static IResult Report(ILocalSiloDetails local, IClusterMembershipService membership, SiloEndpoints endpoints, IOptions<ClusterHostOptions> options)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        var health = new SiloHealth(local.SiloAddress.ToParsableString(), local.Name, status.ToString(), options.Value.ClusterId, endpoints.GatewayPort);
        return Results.Json(health, statusCode: status == SiloStatus.Active ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
