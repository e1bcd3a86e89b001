using System.Security.Cryptography;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;
using DistGen.Tests.Grains.DataPlane;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.Artifacts;

/// <summary>
/// Run-folder files over a real data-plane endpoint (Kestrel, h2c) in chunks of 4 KiB: manifests, downloads, and what a
/// download ticket does not open (other files, other jobs, paths, the tensor methods).
/// </summary>
public sealed class ArtifactExchangeTests : IAsyncLifetime
{
    private const string Job = "gan-20261128-0123456789ab";
    private const int ChunkBytes = 4096;
    private readonly string _root = Directory.CreateTempSubdirectory("distgen-artifact-root-").FullName;
    private readonly string _out = Directory.CreateTempSubdirectory("distgen-artifact-out-").FullName;
    private DataPlaneServer _server = null!;

    private string RunFolder => Path.Combine(_root, Job);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(RunFolder);
        _server = await DataPlaneServer.StartAsync(("Artifacts:Root", _root), ("Artifacts:DownloadChunkBytes", ChunkBytes.ToString()));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public async Task A_file_of_many_chunks_arrives_bit_exact_and_the_manifest_lists_the_results_only()
    {
        var checkpoint = Write("checkpoint.bin", 100_003, seed: 1);
        var summary = Write("summary.json", 17, seed: 2);
        Write("empty.csv", 0, seed: 3);
        File.WriteAllText(Path.Combine(RunFolder, "runner.lease"), "1");
        File.WriteAllText(Path.Combine(RunFolder, "checkpoint.bin.lease1.tmp"), "half a checkpoint");
        File.CreateSymbolicLink(Path.Combine(RunFolder, "passwd"), "/etc/passwd");

        var manifest = await _server.Manifests.OfAsync(Job, RunFolder);

        Assert.Equal((Job, _server.Endpoint), (manifest.JobId, manifest.DataPlaneEndpoint));
        Assert.Equal(["checkpoint.bin", "empty.csv", "summary.json"], manifest.Files.Select(f => f.FileName));
        Assert.Equal((100_003L, Convert.ToHexStringLower(SHA256.HashData(checkpoint))), (manifest.Files[0].Size, manifest.Files[0].Sha256));
        var chunks = await RawDownloadAsync(Request(manifest.Files[0]));
        Assert.Equal(25, chunks.Count);
        Assert.All(chunks, chunk => Assert.True(chunk.Data.Length <= ChunkBytes));

        using var download = new ArtifactDownload(manifest.DataPlaneEndpoint, certificates: null);
        foreach (var artifact in manifest.Files) await download.ToFileAsync(Job, artifact, Path.Combine(_out, artifact.FileName), CancellationToken.None);

        Assert.Equal(checkpoint, await File.ReadAllBytesAsync(Path.Combine(_out, "checkpoint.bin")));
        Assert.Equal(summary, await File.ReadAllBytesAsync(Path.Combine(_out, "summary.json")));
        Assert.Empty(await File.ReadAllBytesAsync(Path.Combine(_out, "empty.csv")));
        Assert.Equal(3, Directory.GetFiles(_out).Length);
    }

    [Fact]
    public async Task Files_in_subfolders_arrive_under_their_paths_and_a_linked_folder_is_not_followed()
    {
        var answers = Write("labels/iteration-1/answers.jsonl", 5000, seed: 4);
        var pretrained = Write("pretrain/checkpoint.bin", 9000, seed: 5);
        Write("summary.json", 17, seed: 6);
        Write("a/b/c/d/too-deep.txt", 10, seed: 7);
        var outside = Directory.CreateTempSubdirectory("distgen-artifact-outside-").FullName;
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "outside the run folder");
        Directory.CreateSymbolicLink(Path.Combine(RunFolder, "linked"), outside);
        try
        {
            var manifest = await _server.Manifests.OfAsync(Job, RunFolder);

            Assert.Equal(["labels/iteration-1/answers.jsonl", "pretrain/checkpoint.bin", "summary.json"], manifest.Files.Select(f => f.FileName));
            await DistGen.Client.Commands.ArtifactFiles.DownloadAsync(manifest, Job, _out, dataPlane: null, certificates: null, CancellationToken.None);
            Assert.Equal(answers, await File.ReadAllBytesAsync(Path.Combine(_out, "labels", "iteration-1", "answers.jsonl")));
            Assert.Equal(pretrained, await File.ReadAllBytesAsync(Path.Combine(_out, "pretrain", "checkpoint.bin")));

            // A ticket names its file by its whole path: the answers' ticket does not open the pretrained checkpoint.
            var refused = await Assert.ThrowsAsync<RpcException>(() => RawDownloadAsync(Request(manifest.Files[0], file: "pretrain/checkpoint.bin")));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

            // Even with a genuine ticket (as if the folder had been swapped for a link after a manifest), a file is never
            // served through a link, of a folder or of the file itself.
            File.CreateSymbolicLink(Path.Combine(RunFolder, "labels", "passwd"), "/etc/passwd");
            foreach (var linked in new[] { "linked/secret.txt", "labels/passwd" })
            {
                var ticket = _server.Tickets.Issue(Job, linked, 10, new byte[32], DateTimeOffset.UtcNow.AddMinutes(5));
                var notServed = await Assert.ThrowsAsync<RpcException>(() => RawDownloadAsync(new Wire.ArtifactRequest { Job = Job, FileName = linked, Ticket = ticket }));
                Assert.Equal(StatusCode.NotFound, notServed.StatusCode);
            }
            Assert.DoesNotContain((await _server.Manifests.OfAsync(Job, RunFolder)).Files, f => f.FileName == "labels/passwd");
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task A_run_folder_of_more_files_than_a_manifest_lists_is_refused_not_cut_short()
    {
        var many = Path.Combine(RunFolder, "many");
        Directory.CreateDirectory(many);
        for (int i = 0; i <= ArtifactManifests.MaxFiles; i++) File.WriteAllBytes(Path.Combine(many, $"f{i}"), []);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => _server.Manifests.OfAsync(Job, RunFolder));

        Assert.Contains($"more than {ArtifactManifests.MaxFiles:N0} files", refused.Message);
    }

    [Theory]
    [InlineData(Job, "../secret.txt")]
    [InlineData(Job, "..%2fsecret.txt")]
    [InlineData(Job, "%2e%2e%2fsecret.txt")]
    [InlineData(Job, "..")]
    [InlineData(Job, "/etc/passwd")]
    [InlineData(Job, "sub/../summary.json")]
    [InlineData(Job, "sub/../../secret.txt")]
    [InlineData(Job, "sub//summary.json")]
    [InlineData(Job, "labels/")]
    [InlineData(Job, "")]
    [InlineData("..", "secret.txt")]
    [InlineData("../" + Job, "summary.json")]
    [InlineData("%2e%2e", "secret.txt")]
    public async Task A_request_for_anything_but_a_plain_path_of_a_run_folder_is_refused(string job, string file)
    {
        File.WriteAllText(Path.Combine(_root, "secret.txt"), "outside every run folder");
        var manifest = await ManifestOfAsync(("summary.json", 10));
        var request = new Wire.ArtifactRequest { Job = job, FileName = file, Ticket = manifest.Files[0].Ticket };

        var refused = await Assert.ThrowsAsync<RpcException>(() => RawDownloadAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("plain path", refused.Status.Detail);
    }

    [Fact]
    public async Task A_ticket_for_another_file_or_job_an_expired_or_a_foreign_one_is_refused()
    {
        var manifest = await ManifestOfAsync(("summary.json", 10), ("checkpoint.bin", 5000));
        var summary = manifest.Files.Single(f => f.FileName == "summary.json");
        var hash = Convert.FromHexString(summary.Sha256);
        Directory.CreateDirectory(Path.Combine(_root, "other-job"));
        File.WriteAllBytes(Path.Combine(_root, "other-job", "summary.json"), new byte[10]);
        var foreign = new ArtifactTickets(new ClusterSecret("another-cluster"));
        (Wire.ArtifactRequest Request, string Problem)[] attempts =
        [
            (Request(summary, file: "checkpoint.bin"), "not issued by this cluster"),
            (Request(summary, job: "other-job"), "not issued by this cluster"),
            (Request(summary with { Ticket = _server.Tickets.Issue(Job, "summary.json", 10, hash, DateTimeOffset.UtcNow.AddSeconds(-1)) }), "expired"),
            (Request(summary with { Ticket = foreign.Issue(Job, "summary.json", 10, hash, DateTimeOffset.UtcNow.AddMinutes(5)) }), "not issued by this cluster"),
            (Request(summary with { Ticket = "" }), "not a download ticket"),
        ];

        foreach (var (request, problem) in attempts)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => RawDownloadAsync(request));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Contains(problem, refused.Status.Detail);
        }
    }

    [Fact]
    public async Task A_download_ticket_opens_none_of_the_tensor_methods()
    {
        var ticket = (await ManifestOfAsync(("summary.json", 10))).Files[0].Ticket;
        _server.Store.TryAdd(Tensors.Gradients(1), Tensors.Random(16, seed: 3));
        var (channel, stub) = _server.RawClient();
        using (channel)
        {
            foreach (var headers in new[] { DataPlaneServer.SecretHeader(ticket), new Metadata { { "ticket", ticket } } })
            {
                using var pull = stub.Pull(new Wire.PullRequest { Key = Tensors.Gradients(1).ToWire() }, headers);
                var refused = await Assert.ThrowsAsync<RpcException>(() => pull.ResponseStream.MoveNext(CancellationToken.None));
                Assert.True(refused.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated, refused.ToString());

                using var push = stub.Push(headers);
                var pushRefused = await Assert.ThrowsAsync<RpcException>(async () =>
                {
                    try
                    {
                        await push.RequestStream.WriteAsync(Tensors.Chunk(Tensors.Gradients(2), [1024], 0, 4096, Tensors.Bytes(4096, seed: 4)));
                        await push.RequestStream.CompleteAsync();
                    }
                    catch (RpcException)
                    {
                        // The server ended the call while this side wrote (a write then fails as Cancelled): its status is the reply's.
                    }
                    await push.ResponseAsync;
                });
                Assert.True(pushRefused.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated, pushRefused.ToString());
            }
        }
        Assert.Equal(1, _server.Store.Count);
    }

    [Fact]
    public async Task A_download_cut_mid_stream_leaves_no_partial_file_and_the_earlier_copy_whole()
    {
        var manifest = await ManifestOfAsync(("checkpoint.bin", 50_000));
        var earlier = Path.Combine(_out, "checkpoint.bin");
        await File.WriteAllTextAsync(earlier, "the copy fetched yesterday");
        using var download = new ArtifactDownload(manifest.DataPlaneEndpoint, certificates: null);

        _server.CutNextStreamAfter(3);
        var cut = await Assert.ThrowsAsync<ArtifactDownloadException>(() => download.ToFileAsync(Job, manifest.Files[0], earlier, CancellationToken.None));

        Assert.Contains("checkpoint.bin", cut.Message);
        Assert.Equal("the copy fetched yesterday", await File.ReadAllTextAsync(earlier));
        Assert.Equal([earlier], Directory.GetFiles(_out));
        // The next try gets the whole file.
        await download.ToFileAsync(Job, manifest.Files[0], earlier, CancellationToken.None);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(RunFolder, "checkpoint.bin")), await File.ReadAllBytesAsync(earlier));
    }

    [Fact]
    public async Task A_file_replaced_or_removed_since_its_manifest_is_refused_and_one_appended_to_arrives_as_listed()
    {
        var manifest = await ManifestOfAsync(("checkpoint.bin", 20_000), ("metrics.csv", 9000), ("summary.json", 10));
        var metrics = await File.ReadAllBytesAsync(Path.Combine(RunFolder, "metrics.csv"));
        Write("checkpoint.bin", 20_000, seed: 99);
        await File.AppendAllTextAsync(Path.Combine(RunFolder, "metrics.csv"), "201,0.5\n");
        File.Delete(Path.Combine(RunFolder, "summary.json"));
        using var download = new ArtifactDownload(manifest.DataPlaneEndpoint, certificates: null);
        JobArtifact Listed(string name) => manifest.Files.Single(f => f.FileName == name);

        var replaced = await Assert.ThrowsAsync<ArtifactDownloadException>(() => download.ToFileAsync(Job, Listed("checkpoint.bin"), Out("checkpoint.bin"), default));
        var removed = await Assert.ThrowsAsync<ArtifactDownloadException>(() => download.ToFileAsync(Job, Listed("summary.json"), Out("summary.json"), default));
        await download.ToFileAsync(Job, Listed("metrics.csv"), Out("metrics.csv"), default);

        Assert.Contains("changed since its manifest was made", replaced.Message);
        Assert.Contains("no longer in the run folder", removed.Message);
        Assert.Equal(metrics, await File.ReadAllBytesAsync(Out("metrics.csv")));
        Assert.Equal([Out("metrics.csv")], Directory.GetFiles(_out));
    }

    [Fact]
    public void A_console_without_certificates_does_not_dial_a_tls_data_plane_and_one_with_them_does_not_dial_plaintext()
    {
        var tls = Assert.Throws<ArtifactDownloadException>(() => new ArtifactDownload("https://10.0.0.7:5005", certificates: null));
        Assert.Contains("speaks TLS: give --cert, --key and --ca", tls.Message);
        var nonsense = Assert.Throws<ArtifactDownloadException>(() => new ArtifactDownload("10.0.0.7:5005", certificates: null));
        Assert.Contains("is not an http://HOST:PORT address", nonsense.Message);
    }

    private string Out(string name) => Path.Combine(_out, name);

    private byte[] Write(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(RunFolder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }

    private Task<ArtifactManifest> ManifestOfAsync(params (string Name, int Size)[] files)
    {
        for (int i = 0; i < files.Length; i++) Write(files[i].Name, files[i].Size, seed: 10 + i);
        return _server.Manifests.OfAsync(Job, RunFolder);
    }

    private static Wire.ArtifactRequest Request(JobArtifact artifact, string job = Job, string? file = null) =>
        new() { Job = job, FileName = file ?? artifact.FileName, Ticket = artifact.Ticket };

    private async Task<List<Wire.ArtifactChunk>> RawDownloadAsync(Wire.ArtifactRequest request)
    {
        using var channel = GrpcChannel.ForAddress(_server.Endpoint);
        using var call = new Wire.ArtifactExchange.ArtifactExchangeClient(channel).Download(request);
        var chunks = new List<Wire.ArtifactChunk>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync()) chunks.Add(chunk);
        return chunks;
    }
}
