using System.ComponentModel.DataAnnotations;
using System.Net;

namespace DistGen.Grains.Hosting;

/// <summary>
/// How a silo joins its cluster and what it listens on: configuration section <c>Cluster</c> (appsettings.json),
/// environment variables <c>DISTGEN__Cluster__Name</c>, or command-line <c>--Cluster:Name=value</c>.
/// Read and validated by <see cref="ClusterHostConfiguration.Read"/> before the silo is composed; the rules are below.
/// </summary>
public sealed class ClusterHostOptions : IValidatableObject
{
    private const string PortAdvice = "use a value from {1} to {2} (0 picks a free port).";
    private const string NameAdvice = "give it a name such as \"distgen\"; silos and clients of one cluster must use the same one.";

    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Cluster";

    /// <summary>The grain storage name the job grains persist into (<c>[PersistentState("job", "jobs")]</c>).</summary>
    public const string JobStorageName = "jobs";

    /// <summary>How silos find each other: Localhost (one silo, default), Redis, or Kubernetes (Redis membership + pod identity).</summary>
    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;

    /// <summary>Name of this deployment's cluster; silos and clients of one cluster share it.</summary>
    [Required(ErrorMessage = NameAdvice)]
    public string ClusterId { get; set; } = "distgen";

    /// <summary>
    /// Name of the service: Redis keys its jobs' state and its reminders by it (and its membership by it and the ClusterId). Unset, it is the
    /// <see cref="ClusterId"/>, so clusters with different ids that share a Redis never see, resume or take over each
    /// other's jobs. Set it (the same on every silo and client) only to keep a service's jobs across a change of ClusterId.
    /// </summary>
    public string? ServiceId { get; set; }

    /// <summary>The service id in force: <see cref="ServiceId"/>, else the <see cref="ClusterId"/>.</summary>
    public string EffectiveServiceId => string.IsNullOrWhiteSpace(ServiceId) ? ClusterId : ServiceId.Trim();

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
    [Range(0, 65535, ErrorMessage = PortAdvice)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the distgen console) connect to; 0 picks a free port; null (code only) runs without a gateway.</summary>
    [Range(0, 65535, ErrorMessage = PortAdvice)]
    public int? GatewayPort { get; set; } = 30000;

    /// <summary>HTTP/1.1 port of <c>/healthz</c> and the dashboard (<c>/dashboard</c>); 0 picks a free port; null (code only) serves no HTTP.</summary>
    [Range(0, 65535, ErrorMessage = PortAdvice)]
    public int? HttpPort { get; set; } = 8080;

    /// <summary>IP address other silos and clients reach this silo at (default: this host's address; the pod IP on Kubernetes). A loopback address keeps every endpoint on loopback.</summary>
    [IPAddressText(ErrorMessage = "not an IP address: use the IP other silos reach this one at, e.g. 10.0.0.5, or leave it unset to use this host's address.")]
    public string? AdvertisedAddress { get; set; }

    /// <summary>Where the <c>jobs</c> grain state lives: Memory or Redis (default: Redis when clustering uses Redis, otherwise Memory).</summary>
    public GrainStorageMode? Storage { get; set; }

    /// <summary>How long a stopping silo (SIGTERM) may take to finish calls, hand over grains and leave the cluster.</summary>
    [Range(1, 3600, ErrorMessage = "use a value from {1} to {2}.")]
    public int ShutdownTimeoutSeconds { get; set; } = 60;

    /// <summary>Accelerators (GPUs) this silo offers to GPU workers; unset: the CUDA devices TorchSharp sees (0 with the CPU backend).</summary>
    [Range(0, 64, ErrorMessage = "use a value from {1} to {2}.")]
    public int? Accelerators { get; set; }

    /// <summary>The grain storage actually used: <see cref="Storage"/>, or the default that follows <see cref="Clustering"/>.</summary>
    public GrainStorageMode EffectiveStorage => Storage ?? (Clustering == ClusteringMode.Localhost ? GrainStorageMode.Memory : GrainStorageMode.Redis);

    /// <summary>Whether this configuration needs a Redis connection.</summary>
    public bool UsesRedis => Clustering != ClusteringMode.Localhost || EffectiveStorage == GrainStorageMode.Redis;

    /// <summary>The rules across settings; each message names the setting (<see cref="SettingsSection.Name"/>) and its fix.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Problems().Select(problem => new ValidationResult(problem));

    private IEnumerable<string> Problems()
    {
        if (UsesRedis && string.IsNullOrWhiteSpace(Redis))
        {
            var reason = Clustering == ClusteringMode.Localhost ? $"{nameof(Storage)} is Redis" : $"{nameof(Clustering)} is {Clustering}";
            yield return $"{Setting(nameof(Redis))} is required because {reason}: set it to the Redis server, e.g. redis:6379, " +
                         $"or use {nameof(Clustering)}=Localhost with {nameof(Storage)}=Memory for a single silo.";
        }
        if (!string.IsNullOrWhiteSpace(RedisAuthority))
        {
            if (!File.Exists(RedisAuthority))
                yield return $"{Setting(nameof(RedisAuthority))} names {RedisAuthority}, which does not exist: give the PEM file of the CA that issued Redis's certificate.";
            if (Redis?.Contains("ssl=true", StringComparison.OrdinalIgnoreCase) != true)
                yield return $"{Setting(nameof(RedisAuthority))} is set but {Setting(nameof(Redis))} does not say ssl=true: add ,ssl=true to speak TLS to Redis, or drop the CA.";
        }
        var ports = new (string Name, int? Port)[] { (nameof(SiloPort), SiloPort), (nameof(GatewayPort), GatewayPort), (nameof(HttpPort), HttpPort) };
        foreach (var clash in ports.Where(p => p.Port is > 0).GroupBy(p => p.Port).Where(g => g.Count() > 1))
            yield return $"{string.Join(" and ", clash.Select(p => Setting(p.Name)))} are all {clash.Key}: give each endpoint its own port (defaults 11111, 30000, 8080).";
        if (IPAddress.TryParse(AdvertisedAddress, out var address))
        {
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
                yield return $"{Setting(nameof(AdvertisedAddress))} is {address}, which nobody can connect to: use this host's IP address, or leave it unset.";
            else if (Clustering == ClusteringMode.Localhost && !IPAddress.IsLoopback(address))
                yield return $"{Setting(nameof(AdvertisedAddress))} is {address} but {nameof(Clustering)} is Localhost, which only advertises 127.0.0.1: remove it, or use Redis clustering.";
        }
        if (Clustering != ClusteringMode.Localhost && GatewayPort is null)
            yield return $"{Setting(nameof(GatewayPort))} is missing: a {Clustering} cluster needs a gateway for clients; use 30000, or 0 for a free port.";
    }

    /// <summary>How messages name a setting of this section: its key and its environment variable.</summary>
    public static string Setting(string property) => SettingsSection.Name(SectionName, property);

    /// <summary>The <c>host:port</c> parts of a Redis connection string, safe to print: its options may hold a password.</summary>
    public static string RedisServersOf(string? connection) =>
        string.Join(",", (connection ?? "").Split(',', StringSplitOptions.TrimEntries).Where(part => part.Length > 0 && !part.Contains('=')));
}
