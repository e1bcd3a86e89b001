using System.ComponentModel.DataAnnotations;

namespace DistGen.Grains.Hosting;

/// <summary>
/// How a silo joins its cluster and what it listens on: configuration section <c>Cluster</c> (appsettings.json),
/// environment variables <c>DISTGEN__Cluster__Name</c>, or command-line <c>--Cluster:Name=value</c>.
/// Read and validated by <see cref="ClusterHostConfiguration.Read"/> before the silo is composed.
/// </summary>
public sealed class ClusterHostOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Cluster";

    /// <summary>The grain storage name the job grains persist into (<c>[PersistentState("job", "jobs")]</c>).</summary>
    public const string JobStorageName = "jobs";

    /// <summary>How silos find each other: Localhost (one silo, default), Redis, or Kubernetes (Redis membership + pod identity).</summary>
    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;

    /// <summary>Name of this deployment's cluster; silos and clients of one cluster share it.</summary>
    public string ClusterId { get; set; } = "distgen";

    /// <summary>Name of the service; grain state is keyed by it, so it must stay the same across redeployments.</summary>
    public string ServiceId { get; set; } = "distgen";

    /// <summary>
    /// Redis connection string (<c>host:port[,password=...][,ssl=true]</c>); required for Redis or Kubernetes clustering
    /// and Redis storage. <c>ssl=true</c> speaks TLS to Redis.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// PEM file of the CA that issued Redis's TLS certificate, when it is not one the machine trusts (the cluster's own CA,
    /// for example); needs <c>ssl=true</c> in <see cref="Redis"/>.
    /// </summary>
    public string? RedisAuthority { get; set; }

    /// <summary>The Redis connection: the connection string and the CA to trust for its TLS.</summary>
    public RedisConnection RedisConnection => new(Redis ?? "", string.IsNullOrWhiteSpace(RedisAuthority) ? null : RedisAuthority);

    /// <summary>This silo's name as shown by <c>distgen cluster</c> and the dashboard (default: machine name and silo port; the pod name on Kubernetes).</summary>
    public string? SiloName { get; set; }

    /// <summary>Port for silo-to-silo traffic; 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the distgen console) connect to; 0 picks a free port; null (code only) runs without a gateway.</summary>
    [Range(0, 65535)]
    public int? GatewayPort { get; set; } = 30000;

    /// <summary>HTTP/1.1 port of <c>/healthz</c> and the dashboard (<c>/dashboard</c>); 0 picks a free port; null (code only) serves no HTTP.</summary>
    [Range(0, 65535)]
    public int? HttpPort { get; set; } = 8080;

    /// <summary>IP address other silos and clients reach this silo at (default: this host's address; the pod IP on Kubernetes). A loopback address keeps every endpoint on loopback.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Where the <c>jobs</c> grain state lives: Memory or Redis (default: Redis when clustering uses Redis, otherwise Memory).</summary>
    public GrainStorageMode? Storage { get; set; }

    /// <summary>How long a stopping silo (SIGTERM) may take to finish calls, hand over grains and leave the cluster.</summary>
    [Range(1, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 60;

    /// <summary>Accelerators (GPUs) this silo offers to GPU workers; unset: the CUDA devices TorchSharp sees (0 with the CPU backend).</summary>
    [Range(0, 64)]
    public int? Accelerators { get; set; }

    /// <summary>The grain storage actually used: <see cref="Storage"/>, or the default that follows <see cref="Clustering"/>.</summary>
    public GrainStorageMode EffectiveStorage => Storage ?? (Clustering == ClusteringMode.Localhost ? GrainStorageMode.Memory : GrainStorageMode.Redis);

    /// <summary>Whether this configuration needs a Redis connection.</summary>
    public bool UsesRedis => Clustering != ClusteringMode.Localhost || EffectiveStorage == GrainStorageMode.Redis;

    /// <summary>The <c>host:port</c> parts of a Redis connection string, safe to print: its options may hold a password.</summary>
    public static string RedisServersOf(string? connection) =>
        string.Join(",", (connection ?? "").Split(',', StringSplitOptions.TrimEntries).Where(part => part.Length > 0 && !part.Contains('=')));
}
