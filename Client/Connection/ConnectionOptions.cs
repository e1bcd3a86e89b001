using System.CommandLine;
using System.Globalization;
using DistGen.Grains.Security.Tls;

namespace DistGen.Client.Connection;

/// <summary>
/// The connection flags every cluster command shares: <c>--redis</c>, <c>--gateway</c>, <c>--cluster-id</c>,
/// <c>--service-id</c>, <c>--secret</c>, <c>--connect-timeout</c>, each falling back to an environment variable. Create one per command,
/// <see cref="AddTo"/> it, and <see cref="Read"/> the settings in the command's action.
/// </summary>
public sealed class ConnectionOptions
{
    public const string RedisVariable = "DISTGEN_REDIS";
    public const string GatewayVariable = "DISTGEN_GATEWAY";
    public const string ClusterIdVariable = "DISTGEN_CLUSTER_ID";
    public const string ServiceIdVariable = "DISTGEN_SERVICE_ID";
    public const string SecretVariable = "DISTGEN_SECRET";
    public const string CertificateVariable = "DISTGEN_CERT";
    public const string KeyVariable = "DISTGEN_KEY";
    public const string AuthorityVariable = "DISTGEN_CA";

    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = $"Reach the cluster through its Redis membership, HOST:PORT (env {RedisVariable}).",
        HelpName = "HOST:PORT",
    };

    public Option<string?> Gateway { get; } = new("--gateway")
    {
        Description = $"Reach the cluster through a silo's gateway, HOST:PORT (env {GatewayVariable}; default {ClusterConnectionSettings.DefaultGateway}).",
        HelpName = "HOST:PORT",
    };

    public Option<string?> ClusterId { get; } = new("--cluster-id")
    {
        Description = $"The cluster's id, as the silos' Cluster:ClusterId (env {ClusterIdVariable}; default distgen).",
    };

    public Option<string?> ServiceId { get; } = new("--service-id")
    {
        Description = $"The cluster's service id, as the silos' Cluster:ServiceId (env {ServiceIdVariable}; default: the cluster id, as on the silos).",
    };

    public Option<string?> Secret { get; } = new("--secret")
    {
        Description = $"The cluster secret for the data plane (env {SecretVariable}); never printed.",
    };

    public Option<string?> Certificate { get; } = new("--cert")
    {
        Description = $"This client's certificate (PEM) for a cluster with TLS, from 'distgen cert init' (env {CertificateVariable}).",
        HelpName = "FILE",
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"The private key (PEM) of --cert (env {KeyVariable}).",
        HelpName = "FILE",
    };

    public Option<string?> Authority { get; } = new("--ca")
    {
        Description = $"The cluster's CA certificate (PEM): the only issuer of silo certificates this client trusts (env {AuthorityVariable}).",
        HelpName = "FILE",
    };

    public Option<double?> ConnectTimeout { get; } = new("--connect-timeout")
    {
        Description = "Seconds to wait for the cluster before giving up with exit code 3 (default 10).",
        HelpName = "SECONDS",
    };

    /// <summary>Adds the flags to a command.</summary>
    public Command AddTo(Command command)
    {
        foreach (var option in new Option[] { Redis, Gateway, ClusterId, ServiceId, Secret, Certificate, Key, Authority, ConnectTimeout }) command.Options.Add(option);
        return command;
    }

    /// <summary>
    /// The settings from the flags, else the environment, else the defaults. Flags and variables do not mix for the
    /// choice of Redis or gateway: a flag overrides both variables. Throws <see cref="ConnectionSettingsException"/>.
    /// </summary>
    public ClusterConnectionSettings Read(ParseResult parse, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        var (redis, gateway, redisSource, gatewaySource) = parse.GetValue(Redis) is not null || parse.GetValue(Gateway) is not null
            ? (parse.GetValue(Redis), parse.GetValue(Gateway), "--redis", "--gateway")
            : (Env(RedisVariable), Env(GatewayVariable), RedisVariable, GatewayVariable);
        if (redis is not null && gateway is not null)
            throw new ConnectionSettingsException($"both {redisSource} and {gatewaySource} are set: give one of them (Redis finds every gateway; a gateway is one silo).");
        // A Redis connection string may add options after a comma (password=...); its first part is the server.
        if (redis is not null) HostAndPort.Parse(redis.Split(',')[0], redisSource, 6379);

        var timeout = parse.GetValue(ConnectTimeout) ?? 10;
        if (timeout is <= 0 or > 3600)
            throw new ConnectionSettingsException($"--connect-timeout {timeout.ToString(CultureInfo.InvariantCulture)} is out of range: give seconds between 0 and 3600.");

        var clusterId = parse.GetValue(ClusterId) ?? Env(ClusterIdVariable) ?? "distgen";
        var certificates = ReadCertificates(parse, Env);
        return new ClusterConnectionSettings
        {
            Redis = redis,
            Gateway = gateway is null ? ClusterConnectionSettings.DefaultGateway : HostAndPort.Parse(gateway, gatewaySource, 30000).ToString(),
            ClusterId = clusterId,
            ServiceId = (parse.GetValue(ServiceId) is { Length: > 0 } flag ? flag.Trim() : null) ?? Env(ServiceIdVariable) ?? clusterId,
            Secret = parse.GetValue(Secret) ?? Env(SecretVariable),
            ConnectTimeout = TimeSpan.FromSeconds(timeout),
            Certificates = certificates,
        };
    }

    // TLS: --cert, --key and --ca together (or their variables), read now so a bad file is exit 2, not a failed connection.
    private ClusterCertificates? ReadCertificates(ParseResult parse, Func<string, string?> env)
    {
        var files = new[]
        {
            ("--cert", CertificateVariable, parse.GetValue(Certificate) ?? env(CertificateVariable)),
            ("--key", KeyVariable, parse.GetValue(Key) ?? env(KeyVariable)),
            ("--ca", AuthorityVariable, parse.GetValue(Authority) ?? env(AuthorityVariable)),
        };
        var missing = files.Where(f => f.Item3 is null).Select(f => $"{f.Item1} (env {f.Item2})").ToList();
        if (missing.Count == files.Length) return null;
        if (missing.Count > 0)
            throw new ConnectionSettingsException($"TLS needs --cert, --key and --ca together; {string.Join(" and ", missing)} not given.");
        try
        {
            return ClusterCertificates.Load(files[0].Item3!, files[1].Item3!, files[2].Item3!);
        }
        catch (ClusterCertificateException e)
        {
            throw new ConnectionSettingsException($"{e.Message}.");
        }
    }
}
