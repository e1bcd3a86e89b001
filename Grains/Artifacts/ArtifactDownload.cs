using System.Security.Cryptography;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Security.Tls;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.Artifacts;

/// <summary>
/// The console's side of <see cref="ArtifactExchangeService"/>: downloads the files of a manifest from a silo's data
/// plane, presenting their tickets. With the cluster's certificates it speaks TLS only, trusts only a silo certificate of
/// the cluster's CA and presents its own (a viewer's will do); without them it speaks h2c, to a plaintext cluster. Each
/// file is written beside its final name and checked (chunk offsets in order, each chunk's CRC-32C, the size, the
/// SHA-256 of the whole) before it is renamed into place: a download that breaks or does not match leaves no partial
/// file and the earlier copy as it was.
/// </summary>
public sealed class ArtifactDownload : IDisposable
{
    // Room for a chunk's offset and checksum next to its data.
    private const int ChunkHeaderRoom = 64 << 10;

    private readonly GrpcChannel _channel;
    private readonly Wire.ArtifactExchange.ArtifactExchangeClient _client;

    /// <summary>A connection to the data plane at <paramref name="endpoint"/>; <paramref name="certificates"/> when the cluster runs TLS.</summary>
    public ArtifactDownload(string endpoint, ClusterCertificates? certificates)
    {
        var scheme = certificates is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var address) || address.Scheme != scheme)
            throw new ArtifactDownloadException(certificates is null && address?.Scheme == Uri.UriSchemeHttps
                ? $"the data plane at {endpoint} speaks TLS: give --cert, --key and --ca"
                : $"the data-plane endpoint '{endpoint}' is not an {scheme}://HOST:PORT address" +
                  (certificates is null ? "" : " (with a certificate, this console downloads over TLS only)"), unreachable: false);
        Endpoint = endpoint;
        var handler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = 16 << 20, ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (certificates is not null) handler.SslOptions = DataPlaneTls.Client(certificates);
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = JobArtifactsOptions.MaxDownloadChunkBytes + ChunkHeaderRoom,
        });
        _client = new Wire.ArtifactExchange.ArtifactExchangeClient(_channel);
    }

    /// <summary>The data-plane address files are downloaded from.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// Downloads <paramref name="artifact"/> of job <paramref name="jobId"/> into <paramref name="path"/>; throws
    /// <see cref="ArtifactDownloadException"/>, leaving <paramref name="path"/> as it was, when that fails.
    /// </summary>
    public async Task ToFileAsync(string jobId, JobArtifact artifact, string path, CancellationToken cancel)
    {
        var request = new Wire.ArtifactRequest { Job = jobId, FileName = artifact.FileName, Ticket = artifact.Ticket };
        try
        {
            using var call = _client.Download(request, cancellationToken: cancel);
            await WriteVerifiedAsync(call.ResponseStream.ReadAllAsync(cancel), artifact, path, cancel).ConfigureAwait(false);
        }
        catch (RpcException failed) when (!cancel.IsCancellationRequested)
        {
            bool unreachable = failed.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;
            throw new ArtifactDownloadException(
                $"the download of {artifact.FileName} from the data plane at {Endpoint} failed ({failed.StatusCode}: {failed.Status.Detail})", unreachable, failed);
        }
    }

    /// <summary>Writes the chunks of <paramref name="expected"/> into <paramref name="path"/> through a temporary file, checking everything first.</summary>
    internal static async Task WriteVerifiedAsync(IAsyncEnumerable<Wire.ArtifactChunk> chunks, JobArtifact expected, string path, CancellationToken cancel)
    {
        var partial = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.partial";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long received = 0;
                await foreach (var chunk in chunks.WithCancellation(cancel).ConfigureAwait(false))
                {
                    var data = chunk.Data.Memory;
                    if (chunk.Offset != received) throw Broken(expected, $"a chunk came at offset {chunk.Offset} where {received} was next");
                    if (data.Length > expected.Size - received) throw Broken(expected, $"more than its {expected.Size} bytes came");
                    if (ChunkChecksum.OfArtifactChunk(chunk.Offset, data.Span) != chunk.Crc32C) throw Broken(expected, $"the chunk at offset {chunk.Offset} fails its CRC-32C");
                    sha256.AppendData(data.Span);
                    await file.WriteAsync(data, cancel).ConfigureAwait(false);
                    received += data.Length;
                }
                if (received != expected.Size) throw Broken(expected, $"the stream ended after {received} of {expected.Size} bytes");
                if (!string.Equals(Convert.ToHexStringLower(sha256.GetHashAndReset()), expected.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw Broken(expected, "its SHA-256 differs from the manifest's");
                // On disk before it replaces an earlier copy.
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    private static ArtifactDownloadException Broken(JobArtifact artifact, string problem) =>
        new($"the download of {artifact.FileName} was refused: {problem}; nothing of it was kept (run distgen fetch again)", unreachable: false);

    public void Dispose() => _channel.Dispose();
}
