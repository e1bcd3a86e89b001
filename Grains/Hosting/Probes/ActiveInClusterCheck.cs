using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DistGen.Grains.Hosting.Probes;

/// <summary>Ready while this silo is Active in the cluster's membership: not while it joins, shuts down or was declared dead.</summary>
public sealed class ActiveInClusterCheck(ILocalSiloDetails local, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("Active")
            : HealthCheckResult.Unhealthy($"this silo is {status} in the cluster, not Active"));
    }
}
