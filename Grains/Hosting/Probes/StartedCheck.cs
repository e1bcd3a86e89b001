using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DistGen.Grains.Hosting.Probes;

/// <summary>
/// Passes from the first time this silo is seen Active in the cluster, and stays passed: the startup probe only has to
/// tell a slow join from a hung start. Readiness follows the silo's status after that.
/// </summary>
public sealed class StartedCheck(ActiveInClusterCheck active) : IHealthCheck
{
    private volatile bool _started;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_started) return HealthCheckResult.Healthy("started");
        var now = await active.CheckHealthAsync(context, cancellationToken);
        if (now.Status != HealthStatus.Healthy) return HealthCheckResult.Unhealthy($"starting: {now.Description}");
        _started = true;
        return HealthCheckResult.Healthy("started");
    }
}
