using DistGen.Grains.Security.Tls;
using System.Net;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.DataPlane;

/// <summary>Start-up check of <see cref="DataPlaneOptions"/>; every message names the setting and how to fix it.</summary>
public sealed class DataPlaneOptionsValidator(TransportSecurity? security = null) : IValidateOptions<DataPlaneOptions>
{
    private const string S = DataPlaneOptions.Section;

    public ValidateOptionsResult Validate(string? name, DataPlaneOptions o)
    {
        var failures = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok) failures.Add(message);
        }

        Require(!string.IsNullOrWhiteSpace(o.Secret),
            $"{S}:Secret is empty: set DISTGEN__{S}__Secret (or {S}:Secret in appsettings.json) to the cluster secret, the same on every silo and client");
        failures.AddRange(ListenProblems(o));
        var scheme = (security ?? TransportSecurity.Plaintext).Scheme;
        Require(o.AdvertisedEndpoint is null || IsUri(o.AdvertisedEndpoint, scheme),
            $"{S}:AdvertisedEndpoint '{o.AdvertisedEndpoint}' is not an {scheme}:// address: use {scheme}://HOST:PORT as other silos reach this one " +
            $"({(scheme == Uri.UriSchemeHttps ? "TLS is on" : "TLS is off")})");
        Require(o.MaxStoreBytes > 0, $"{S}:MaxStoreBytes is {o.MaxStoreBytes}: give the tensor store a positive byte budget (default 2 GiB)");
        Require(o.ChunkBytes is >= 4096 and <= 64 << 20, $"{S}:ChunkBytes is {o.ChunkBytes}: use 4096..67108864 (default 1048576)");
        Require(o.MaxChunkBytes is >= 4096 and <= 64 << 20, $"{S}:MaxChunkBytes is {o.MaxChunkBytes}: use 4096..67108864 (default 4194304)");
        Require(o.ChunkBytes <= o.MaxChunkBytes,
            $"{S}:ChunkBytes ({o.ChunkBytes}) is above {S}:MaxChunkBytes ({o.MaxChunkBytes}): other silos would refuse this silo's chunks");
        Require(o.ChunkBytes % 4 == 0, $"{S}:ChunkBytes is {o.ChunkBytes}: use a multiple of 4 so chunks hold whole elements");
        Require(o.WireFormat is not null && (Is(o.WireFormat, DataPlaneOptions.Float32) || Is(o.WireFormat, DataPlaneOptions.BFloat16)),
            $"{S}:WireFormat is '{o.WireFormat}': use \"float32\" (exact) or \"bfloat16\" (half the bytes)");
        Require(o.CallTimeout >= TimeSpan.FromMilliseconds(10) && o.CallTimeout <= TimeSpan.FromDays(1),
            $"{S}:CallTimeout is {o.CallTimeout}: use a time span between 00:00:00.01 and 1.00:00:00, e.g. 00:01:00");
        Require(o.MaxRetryAttempts is >= 0 and <= 20, $"{S}:MaxRetryAttempts is {o.MaxRetryAttempts}: use 0..20");
        Require(o.RetryBaseDelay > TimeSpan.Zero && o.RetryBaseDelay <= TimeSpan.FromDays(1),
            $"{S}:RetryBaseDelay is {o.RetryBaseDelay}: use a positive time span, e.g. 00:00:00.2");
        Require(o.BreakerFailureRatio is > 0 and <= 1, $"{S}:BreakerFailureRatio is {o.BreakerFailureRatio}: use a ratio in (0, 1]");
        Require(o.BreakerMinimumThroughput >= 2, $"{S}:BreakerMinimumThroughput is {o.BreakerMinimumThroughput}: use 2 or more calls");
        Require(o.BreakerSamplingDuration >= TimeSpan.FromMilliseconds(500),
            $"{S}:BreakerSamplingDuration is {o.BreakerSamplingDuration}: use at least 00:00:00.5");
        Require(o.BreakDuration >= TimeSpan.FromMilliseconds(500), $"{S}:BreakDuration is {o.BreakDuration}: use at least 00:00:00.5");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Problems of the settings the data-plane endpoint is bound with (checked when Kestrel is configured).</summary>
    internal static IEnumerable<string> ListenProblems(DataPlaneOptions o)
    {
        if (o.MaxConnections is < 1 or > 1_000_000) yield return $"{S}:MaxConnections is {o.MaxConnections}: use 1..1000000 (default 512)";
        if (o.Port is < 0 or > 65535) yield return $"{S}:Port is {o.Port}: use a TCP port in 1..65535 (0 picks a free port)";
        if (!IPAddress.TryParse(o.ListenAddress, out _))
            yield return $"{S}:ListenAddress '{o.ListenAddress}' is not an IP address: use e.g. 0.0.0.0 (every interface) or 127.0.0.1";
    }

    private static bool Is(string value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    private static bool IsUri(string value, string scheme) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == scheme && uri.Port > 0;
}
