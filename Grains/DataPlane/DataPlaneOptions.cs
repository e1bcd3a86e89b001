namespace DistGen.Grains.DataPlane;

/// <summary>
/// Settings of the gRPC data plane, bound from the configuration section "DataPlane" (environment:
/// <c>DISTGEN__DataPlane__Secret</c>, ...). Checked at start-up by <see cref="DataPlaneOptionsValidator"/>.
/// </summary>
public sealed class DataPlaneOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "DataPlane";

    /// <summary>Cluster secret every data-plane call carries; required, identical on all silos, never logged.</summary>
    public string Secret { get; set; } = "";

    /// <summary>TCP port of the data plane's HTTP/2 (h2c) endpoint; 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 5005;

    /// <summary>Address the data-plane endpoint listens on ("0.0.0.0" = every interface, "127.0.0.1" = this machine only).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Address other silos use to reach this silo's data plane ("https://host:port" with TLS, else "http://host:port"); default 127.0.0.1:{Port}.</summary>
    public string? AdvertisedEndpoint { get; set; }

    /// <summary>Byte budget of this silo's tensor store (float32 bytes); a push beyond it is refused.</summary>
    public long MaxStoreBytes { get; set; } = 2L << 30;

    /// <summary>Wire bytes per chunk this silo sends.</summary>
    public int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>Largest chunk this silo accepts; a bigger one is refused. At least <see cref="ChunkBytes"/>.</summary>
    public int MaxChunkBytes { get; set; } = 4 << 20;

    /// <summary>Element format on the wire: "float32" (exact) or "bfloat16" (half the bytes, 8 mantissa bits).</summary>
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
    public int MaxConnections { get; set; } = 512;

    /// <summary>Time limit of one attempt of a push or pull (the whole stream).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a transient failure (Unavailable, DeadlineExceeded, attempt timeout); 0 disables retry.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Base delay of the jittered exponential back-off between retries.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Share of transient failures within <see cref="BreakerSamplingDuration"/> that opens an endpoint's circuit.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls to an endpoint within the sampling window before its circuit may open.</summary>
    public int BreakerMinimumThroughput { get; set; } = 8;

    /// <summary>Window over which an endpoint's failure ratio is measured.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls to its endpoint before letting one through.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    internal const string Float32 = "float32";
    internal const string BFloat16 = "bfloat16";

    internal Contracts.DataPlane.DType WireDType =>
        string.Equals(WireFormat, BFloat16, StringComparison.OrdinalIgnoreCase)
            ? Contracts.DataPlane.DType.Bfloat16
            : Contracts.DataPlane.DType.Float32;

    /// <summary>The advertised endpoint when configured, else <paramref name="scheme"/>://127.0.0.1:<paramref name="boundPort"/>.</summary>
    internal string EndpointFor(int boundPort, string scheme) =>
        string.IsNullOrWhiteSpace(AdvertisedEndpoint) ? $"{scheme}://127.0.0.1:{boundPort}" : AdvertisedEndpoint.TrimEnd('/');
}
