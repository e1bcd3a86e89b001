using System.Buffers;
using System.Security.Cryptography;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.Artifacts;

/// <summary>
/// Streams run-folder files to holders of download tickets: service <c>ArtifactExchange</c> of
/// <c>artifact_exchange.proto</c>, on the data-plane port beside <c>TensorExchange</c>. A request names a job and a
/// file by its plain path in the run folder and presents the ticket (<see cref="ArtifactTickets"/>) a coordinator issued for that file. The file is read
/// from Artifacts:Root/&lt;job&gt;/, the run folder every silo sees, and its first ticket-named bytes are sent in chunks
/// of Artifacts:DownloadChunkBytes, each with a CRC-32C. No cluster secret is asked for: the ticket is the authority.
/// </summary>
public sealed class ArtifactExchangeService(
    ArtifactTickets tickets, IOptions<JobArtifactsOptions> options, ILogger<ArtifactExchangeService> logger, TimeProvider? time = null)
    : Wire.ArtifactExchange.ArtifactExchangeBase
{
    public override async Task Download(Wire.ArtifactRequest request, IServerStreamWriter<Wire.ArtifactChunk> responseStream, ServerCallContext context)
    {
        string what = $"{PlainNames.Printable(request.Job)}/{PlainNames.Printable(request.FileName)}";
        if (!PlainNames.IsPlain(request.Job) || !PlainNames.IsPlainPath(request.FileName))
            throw Refuse(StatusCode.InvalidArgument, $"'{what}' names no run-folder file: a job id must be a plain name and a file name a plain path (plain names joined by '/')", context);
        if (!tickets.TryRead(request.Job, request.FileName, request.Ticket, (time ?? TimeProvider.System).GetUtcNow(), out var grant, out var problem))
            throw Refuse(StatusCode.PermissionDenied, problem, context);
        FileStream file;
        try
        {
            file = RunFolderFile.OpenRead(JobFolders.Of(options.Value.Root, request.Job), request.FileName);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Refuse(StatusCode.NotFound, $"{what} is no longer in the run folder: run distgen fetch again", context);
        }
        await using (file)
        {
            if (file.Length < grant.Size || !(await SendAsync(file, grant, responseStream, context.CancellationToken).ConfigureAwait(false)))
                throw Refuse(StatusCode.FailedPrecondition, $"{what} changed since its manifest was made: run distgen fetch again", context);
        }
        logger.LogInformation("Sent {File} ({Bytes} bytes) to {Peer}", what, grant.Size, context.Peer);
    }

    // False when the bytes sent are not the ticket's: the file was truncated or replaced while it was read.
    private async Task<bool> SendAsync(FileStream file, ArtifactGrant grant, IServerStreamWriter<Wire.ArtifactChunk> stream, CancellationToken cancel)
    {
        int chunkBytes = options.Value.DownloadChunkBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            await foreach (var data in FilePrefix.ChunksAsync(file, grant.Size, buffer.AsMemory(0, chunkBytes), cancel).ConfigureAwait(false))
            {
                sha256.AppendData(data.Span);
                // The writer serialises the message before its write completes, so the buffer is free again after the await.
                var chunk = new Wire.ArtifactChunk { Offset = offset, Crc32C = ChunkChecksum.OfArtifactChunk(offset, data.Span), Data = UnsafeByteOperations.UnsafeWrap(data) };
                await stream.WriteAsync(chunk, cancel).ConfigureAwait(false);
                offset += data.Length;
            }
            return sha256.GetHashAndReset().AsSpan().SequenceEqual(grant.Sha256);
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private RpcException Refuse(StatusCode code, string message, ServerCallContext context)
    {
        logger.LogWarning("Refused an artifact download from {Peer}: {Code} {Message}", context.Peer, code, message);
        return new RpcException(new Status(code, message));
    }
}
