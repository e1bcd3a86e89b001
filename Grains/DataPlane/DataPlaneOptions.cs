using System.ComponentModel.DataAnnotations;
using DistGen.Grains.Hosting;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Settings of the gRPC data plane, bound from the configuration section "DataPlane" (environment:
/// <c>DISTGEN__DataPlane__Secret</c>, ...). Checked at start-up against the rules below, and the advertised endpoint
/// by <see cref="DataPlaneOptionsValidator"/>.
/// </summary>
public sealed class DataPlaneOptions : IValidatableObject
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "DataPlane";

    private const string ChunkRange = "use {1}..{2}";

    /// <summary>Cluster secret every data-plane call carries; required, identical on all silos, never logged.</summary>
    [Required(ErrorMessage = "set it to the cluster secret, the same on every silo and client (an environment variable, never appsettings.json).")]
    public string Secret { get; set; } = "";

    /// <summary>TCP port of the data plane's HTTP/2 (h2c) endpoint; 0 picks a free port (tests).</summary>
    [Range(0, 65535, ErrorMessage = "use a TCP port in 1..65535 (0 picks a free port).")]
    public int Port { get; set; } = 5005;

    /// <summary>Address the data-plane endpoint listens on ("0.0.0.0" = every interface, "127.0.0.1" = this machine only).</summary>
    [Required(ErrorMessage = ListenAdvice)]
    [IPAddressText(ErrorMessage = ListenAdvice)]
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Address other silos use to reach this silo's data plane ("https://host:port" with TLS, else "http://host:port"); default 127.0.0.1:{Port}.</summary>
    public string? AdvertisedEndpoint { get; set; }

    /// <summary>Byte budget of this silo's tensor store (float32 bytes); a push beyond it is refused.</summary>
    [Range(typeof(long), "1", "9223372036854775807", ErrorMessage = "give the tensor store a positive byte budget (default 2 GiB).")]
    public long MaxStoreBytes { get; set; } = 2L << 30;

    /// <summary>Wire bytes per chunk this silo sends.</summary>
    [Range(4096, 64 << 20, ErrorMessage = ChunkRange + " (default 1048576).")]
    public int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>Largest chunk this silo accepts; a bigger one is refused. At least <see cref="ChunkBytes"/>.</summary>
    [Range(4096, 64 << 20, ErrorMessage = ChunkRange + " (default 4194304).")]
    public int MaxChunkBytes { get; set; } = 4 << 20;

    /// <summary>Element format on the wire: "float32" (exact) or "bfloat16" (half the bytes, 8 mantissa bits).</summary>
    [Required(ErrorMessage = WireFormatAdvice)]
    [RegularExpression("(?i)float32|bfloat16", ErrorMessage = WireFormatAdvice)]
    public string WireFormat { get; set; } = "float32";

    /// <summary>
    /// Batch the client's socket calls (<see cref="BatchingConnectionStream"/>); false leaves SocketsHttpHandler's own
    /// connection as it is (one send per 16 KiB frame), for comparison or should the batching misbehave.
    /// </summary>
    public bool BatchSocketCalls { get; set; } = true;

    /// <summary>
    /// Open connections the data-plane endpoint accepts at once; more are closed as they arrive, before any bytes are
    /// read. Silos hold a few connections to each other silo, so the default serves clusters of about a hundred silos.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "use {1}..{2} (default 512).")]
    public int MaxConnections { get; set; } = 512;

    /// <summary>Time limit of one attempt of a push or pull (the whole stream).</summary>
    [TimeSpanRange("00:00:00.01", "1.00:00:00", ErrorMessage = "use a time span between 00:00:00.01 and 1.00:00:00, e.g. 00:01:00.")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a transient failure (Unavailable, DeadlineExceeded, attempt timeout); 0 disables retry.</summary>
    [Range(0, 20, ErrorMessage = "use {1}..{2}.")]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Base delay of the jittered exponential back-off between retries.</summary>
    [TimeSpanRange("00:00:00", "1.00:00:00", MinimumIsExclusive = true, ErrorMessage = "use a positive time span up to 1.00:00:00, e.g. 00:00:00.2.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Share of transient failures within <see cref="BreakerSamplingDuration"/> that opens an endpoint's circuit.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "use a ratio in (0, 1].")]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls to an endpoint within the sampling window before its circuit may open.</summary>
    [Range(2, int.MaxValue, ErrorMessage = "use 2 or more calls.")]
    public int BreakerMinimumThroughput { get; set; } = 8;

    /// <summary>Window over which an endpoint's failure ratio is measured.</summary>
    [TimeSpanRange("00:00:00.5", ErrorMessage = "use at least 00:00:00.5.")]
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls to its endpoint before letting one through.</summary>
    [TimeSpanRange("00:00:00.5", ErrorMessage = "use at least 00:00:00.5.")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    internal const string Float32 = "float32";
    internal const string BFloat16 = "bfloat16";
    private const string ListenAdvice = "use an IP address, e.g. 0.0.0.0 (every interface) or 127.0.0.1 (this machine).";
    private const string WireFormatAdvice = "use \"float32\" (exact) or \"bfloat16\" (half the bytes).";

    /// <summary>The rules across settings.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ChunkBytes > MaxChunkBytes)
            yield return new ValidationResult($"{Setting(nameof(ChunkBytes))} is {ChunkBytes}, above {SectionName}:{nameof(MaxChunkBytes)} ({MaxChunkBytes}): " +
                                              "other silos would refuse this silo's chunks; lower it or raise the limit.");
        if (ChunkBytes % 4 != 0)
            yield return new ValidationResult($"{Setting(nameof(ChunkBytes))} is {ChunkBytes}: use a multiple of 4 so chunks hold whole elements.");
    }

    internal static string Setting(string property) => SettingsSection.Name(SectionName, property);

    internal Contracts.DataPlane.DType WireDType =>
        string.Equals(WireFormat, BFloat16, StringComparison.OrdinalIgnoreCase)
            ? Contracts.DataPlane.DType.Bfloat16
            : Contracts.DataPlane.DType.Float32;

    /// <summary>The advertised endpoint when configured, else <paramref name="scheme"/>://127.0.0.1:<paramref name="boundPort"/>.</summary>
    internal string EndpointFor(int boundPort, string scheme) =>
        string.IsNullOrWhiteSpace(AdvertisedEndpoint) ? $"{scheme}://127.0.0.1:{boundPort}" : AdvertisedEndpoint.TrimEnd('/');
}
