using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Hosting;

/// <summary>
/// Checks <see cref="ClusterHostOptions"/> before a silo starts. Every message names the setting, both as the
/// configuration key and as the environment variable, and says how to fix it.
/// </summary>
public sealed class ClusterHostOptionsValidator : IValidateOptions<ClusterHostOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterHostOptions options)
    {
        var failures = Check(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The configuration key and environment variable of a setting, as the messages name it.</summary>
    public static string Setting(string property) =>
        $"{ClusterHostOptions.SectionName}:{property} (env {ClusterHostConfiguration.EnvironmentPrefix}{ClusterHostOptions.SectionName}__{property})";

    private static IEnumerable<string> Check(ClusterHostOptions options)
    {
        foreach (var (property, value) in new[] { (nameof(options.ClusterId), options.ClusterId), (nameof(options.ServiceId), options.ServiceId) })
        {
            if (string.IsNullOrWhiteSpace(value))
                yield return $"{Setting(property)} is empty: give it a name such as \"distgen\"; silos and clients of one cluster must use the same one.";
        }

        if (options.UsesRedis && string.IsNullOrWhiteSpace(options.Redis))
        {
            var reason = options.Clustering == ClusteringMode.Localhost
                ? $"{nameof(options.Storage)} is Redis"
                : $"{nameof(options.Clustering)} is {options.Clustering}";
            yield return $"{Setting(nameof(options.Redis))} is required because {reason}: set it to the Redis server, e.g. redis:6379, " +
                         $"or use {nameof(options.Clustering)}=Localhost with {nameof(options.Storage)}=Memory for a single silo.";
        }

        if (!string.IsNullOrWhiteSpace(options.RedisAuthority))
        {
            if (!File.Exists(options.RedisAuthority))
                yield return $"{Setting(nameof(options.RedisAuthority))} names {options.RedisAuthority}, which does not exist: give the PEM file of the CA that issued Redis's certificate.";
            if (options.Redis?.Contains("ssl=true", StringComparison.OrdinalIgnoreCase) != true)
                yield return $"{Setting(nameof(options.RedisAuthority))} is set but {Setting(nameof(options.Redis))} does not say ssl=true: add ,ssl=true to speak TLS to Redis, or drop the CA.";
        }

        foreach (var failure in CheckRanges(options)) yield return failure;
        foreach (var failure in CheckPortsDistinct(options)) yield return failure;
        foreach (var failure in CheckAdvertisedAddress(options)) yield return failure;

        if (options.Clustering != ClusteringMode.Localhost && options.GatewayPort is null)
            yield return $"{Setting(nameof(options.GatewayPort))} is missing: a {options.Clustering} cluster needs a gateway for clients; use 30000, or 0 for a free port.";
    }

    private static IEnumerable<string> CheckRanges(ClusterHostOptions options)
    {
        foreach (var property in typeof(ClusterHostOptions).GetProperties())
        {
            if (property.GetCustomAttribute<RangeAttribute>() is not { } range || property.GetValue(options) is not int value) continue;
            var (min, max) = (Convert.ToInt32(range.Minimum), Convert.ToInt32(range.Maximum));
            if (value >= min && value <= max) continue;
            var hint = property.Name.EndsWith("Port", StringComparison.Ordinal) ? " (0 picks a free port)" : "";
            yield return $"{Setting(property.Name)} is {value}: use a value from {min} to {max}{hint}.";
        }
    }

    private static IEnumerable<string> CheckPortsDistinct(ClusterHostOptions options)
    {
        var ports = new (string Name, int? Port)[]
        {
            (nameof(options.SiloPort), options.SiloPort),
            (nameof(options.GatewayPort), options.GatewayPort),
            (nameof(options.HttpPort), options.HttpPort),
        };
        foreach (var clash in ports.Where(p => p.Port is > 0).GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            var names = string.Join(" and ", clash.Select(p => Setting(p.Name)));
            yield return $"{names} are all {clash.Key}: give each endpoint its own port (defaults 11111, 30000, 8080).";
        }
    }

    private static IEnumerable<string> CheckAdvertisedAddress(ClusterHostOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.AdvertisedAddress)) yield break;
        var setting = Setting(nameof(options.AdvertisedAddress));
        if (!IPAddress.TryParse(options.AdvertisedAddress, out var address))
            yield return $"{setting} is \"{options.AdvertisedAddress}\", not an IP address: use the IP other silos reach this one at, e.g. 10.0.0.5, or leave it unset to use this host's address.";
        else if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            yield return $"{setting} is {address}, which nobody can connect to: use this host's IP address, or leave it unset.";
        else if (options.Clustering == ClusteringMode.Localhost && !IPAddress.IsLoopback(address))
            yield return $"{setting} is {address} but {nameof(options.Clustering)} is Localhost, which only advertises 127.0.0.1: remove it, or use Redis clustering.";
    }
}
