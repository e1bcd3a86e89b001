using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;
using Google.Protobuf;
using Grpc.Core;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.Artifacts;

/// <summary>What the console keeps of a download stream: the whole file as the manifest describes it, or nothing.</summary>
public sealed class ArtifactDownloadTests : IDisposable
{
    private static readonly byte[] Content = RandomNumberGenerator.GetBytes(10_000);
    private static readonly JobArtifact Expected = new("checkpoint.bin", Content.Length, Convert.ToHexStringLower(SHA256.HashData(Content)), "ticket");
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-download-").FullName;

    private string Target => Path.Combine(_folder, "checkpoint.bin");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Chunks_that_make_the_manifests_file_are_written_in_place()
    {
        await ArtifactDownload.WriteVerifiedAsync(Chunks(Split(Content, 4096)), Expected, Target, CancellationToken.None);

        Assert.Equal(Content, await File.ReadAllBytesAsync(Target));
        Assert.Equal([Target], Directory.GetFiles(_folder));
    }

    public static TheoryData<string, string> Breakages => new()
    {
        { "cut", "cut by the test" },
        { "crc", "fails its CRC-32C" },
        { "gap", "where 4096 was next" },
        { "short", "ended after 8192 of 10000 bytes" },
        { "long", "more than its 10000 bytes came" },
        { "altered", "SHA-256 differs" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_broken_or_altered_stream_leaves_no_partial_file_and_the_earlier_copy_whole(string breakage, string message)
    {
        await File.WriteAllTextAsync(Target, "the copy fetched yesterday");
        var chunks = Split(Content, 4096);
        var altered = Content.ToArray();
        altered[^1] ^= 1;
        IAsyncEnumerable<Wire.ArtifactChunk> stream = breakage switch
        {
            "cut" => Chunks(chunks[..2], cutAfter: true),
            "crc" => Chunks([chunks[0], Corrupt(chunks[1]), chunks[2]]),
            "gap" => Chunks([chunks[0], chunks[2]]),
            "short" => Chunks(chunks[..2]),
            "long" => Chunks([.. chunks, Chunk(Content.Length, [1, 2, 3])]),
            _ => Chunks(Split(altered, 4096)),
        };

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ArtifactDownload.WriteVerifiedAsync(stream, Expected, Target, CancellationToken.None));

        Assert.Contains(message, refused.Message);
        Assert.Equal("the copy fetched yesterday", await File.ReadAllTextAsync(Target));
        Assert.Equal([Target], Directory.GetFiles(_folder));
    }

    private static Wire.ArtifactChunk[] Split(byte[] content, int size) =>
        content.Chunk(size).Select((data, i) => Chunk((long)i * size, data)).ToArray();

    private static Wire.ArtifactChunk Chunk(long offset, byte[] data) =>
        new() { Offset = offset, Crc32C = ChunkChecksum.OfArtifactChunk(offset, data), Data = ByteString.CopyFrom(data) };

    private static Wire.ArtifactChunk Corrupt(Wire.ArtifactChunk chunk)
    {
        var data = chunk.Data.ToByteArray();
        data[7] ^= 0x10;
        return new Wire.ArtifactChunk { Offset = chunk.Offset, Crc32C = chunk.Crc32C, Data = ByteString.CopyFrom(data) };
    }

    private static async IAsyncEnumerable<Wire.ArtifactChunk> Chunks(Wire.ArtifactChunk[] chunks, bool cutAfter = false,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        foreach (var chunk in chunks)
        {
            await Task.Yield();
            yield return chunk;
        }
        if (cutAfter) throw new RpcException(new Status(StatusCode.Unavailable, "cut by the test"));
    }
}
