using Microsoft.AspNetCore.Http;

namespace DistGen.Grains.Hosting;

/// <summary>
/// The body of <c>/healthz</c>: this silo's membership status and nothing else, as anyone may ask for it (probes carry
/// no credentials). Served with 200 while the silo is Active in the cluster, 503 while it joins, shuts down or is dead,
/// so probes take it out of rotation as it drains. Which silo and cluster it is, is in its start-up log and in
/// <c>distgen cluster</c>.
/// </summary>
/// <param name="Status">Membership status as this silo sees itself: Joining, Active, ShuttingDown, Stopping, Dead.</param>
public sealed record SiloHealth(string Status)
{
    /// <summary>Answers a <c>/healthz</c> request.</summary>
    public static IResult Report(ILocalSiloDetails local, IClusterMembershipService membership)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Results.Json(new SiloHealth(status.ToString()), statusCode: status == SiloStatus.Active ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
