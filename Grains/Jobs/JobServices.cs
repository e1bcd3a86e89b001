using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Hosting;
using DistGen.Grains.Runs;
using Microsoft.Extensions.Configuration;
using DistGen.Grains.Placement;
using DistGen.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace DistGen.Grains.Jobs;

/// <summary>Registers what the job grains need in a silo: the per-process job workloads, the call boundary, the artifacts, round and coordinator settings, artifact manifests, the sweep of finished jobs' tensors.</summary>
public static class JobServices
{
    public static IServiceCollection AddDistGenJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<JobWorkloads>();
        services.AddSingleton<DataPlanePeers>();
        services.AddSingleton<ArtifactManifests>();
        services.AddSingleton<JobPages.JobPageAddress>();
        // Frees what finished jobs left on this silo when it could not be reached at their end (JobRelease).
        services.AddSingleton<FinishedJobCleanup>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<FinishedJobCleanup>());
        services.AddSingleton<IIncomingGrainCallFilter, DataPlaneFailureFilter>();
        // Every silo that hosts the job grains guards them: clients reach only the public API.
        services.AddDistGenCallSecurity();
        services.AddDistGenPlacement(configuration);
        services.AddSettingsSection<JobArtifactsOptions>(configuration, JobArtifactsOptions.SectionName);
        services.AddSettingsSection<RoundOptions>(configuration, RoundOptions.SectionName);
        services.AddSettingsSection<CoordinatorOptions>(configuration, CoordinatorOptions.SectionName);
        return services;
    }
}
