using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;
using Microsoft.Extensions.Configuration;
using DistGen.Grains.Placement;
using DistGen.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace DistGen.Grains.Jobs;

/// <summary>Registers what the job grains need in a silo: the per-process job runtimes, the call boundary, the artifacts options and manifests.</summary>
public static class JobServices
{
    public static IServiceCollection AddDistGenJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<JobRuntimes>();
        services.AddSingleton<DataPlanePeers>();
        services.AddSingleton<ArtifactManifests>();
        services.AddSingleton<IIncomingGrainCallFilter, DataPlaneFailureFilter>();
        // Every silo that hosts the job grains guards them: clients reach only the public API.
        services.AddDistGenCallSecurity();
        services.AddDistGenPlacement(configuration);
        services.AddOptions<JobArtifactsOptions>()
            .Bind(configuration.GetSection("Artifacts"))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Root), "Artifacts:Root is empty: set it to a folder for job run folders (DISTGEN__Artifacts__Root)")
            .Validate(o => o.DownloadChunkBytes is >= 4096 and <= JobArtifactsOptions.MaxDownloadChunkBytes,
                "Artifacts:DownloadChunkBytes must be 4096..4194304 (default 1048576)")
            .Validate(o => o.TicketLifetime >= TimeSpan.FromSeconds(10) && o.TicketLifetime <= TimeSpan.FromDays(1),
                "Artifacts:TicketLifetime must be between 00:00:10 and 1.00:00:00, e.g. 00:15:00")
            // The round settings once lived here; a silo still given them would silently ignore them.
            .Validate(_ => configuration.GetSection("Artifacts").GetChildren().All(c => !c.Key.StartsWith("Round", StringComparison.OrdinalIgnoreCase)),
                "Artifacts:RoundTimeout, RoundAttempts and RoundRetryDelay moved to section Rounds: set Rounds:Timeout, Rounds:Attempts, " +
                "Rounds:RetryDelay (DISTGEN__Rounds__Attempts, ...) instead")
            .ValidateOnStart();
        services.AddOptions<RoundOptions>()
            .Bind(configuration.GetSection(RoundOptions.SectionName))
            .Validate(o => o.Timeout > TimeSpan.Zero, "Rounds:Timeout must be positive, e.g. 00:02:00")
            .Validate(o => o.Attempts >= 1, "Rounds:Attempts must be at least 1")
            .Validate(o => o.RetryDelay >= TimeSpan.Zero, "Rounds:RetryDelay must not be negative, e.g. 00:00:00.500")
            .ValidateOnStart();
        services.AddOptions<CoordinatorOptions>()
            .Bind(configuration.GetSection("Coordinator"))
            .Validate(o => o.HeartbeatPeriod > TimeSpan.Zero, "Coordinator:HeartbeatPeriod must be positive, e.g. 00:00:05")
            .Validate(o => o.RunnerSilentFor >= 3 * o.HeartbeatPeriod,
                "Coordinator:RunnerSilentFor must be at least 3 x Coordinator:HeartbeatPeriod, so a live runner is never taken for a silent one")
            .Validate(o => o.OutageDeadline > TimeSpan.Zero, "Coordinator:OutageDeadline must be positive, e.g. 00:05:00")
            .Validate(o => o.MaxTakeoversWithoutProgress >= 1, "Coordinator:MaxTakeoversWithoutProgress must be at least 1")
            .Validate(o => o.TakeoverDelay >= TimeSpan.Zero && o.MaxTakeoverDelay >= o.TakeoverDelay,
                "Coordinator:TakeoverDelay must not be negative and Coordinator:MaxTakeoverDelay not below it")
            .ValidateOnStart();
        return services;
    }
}
