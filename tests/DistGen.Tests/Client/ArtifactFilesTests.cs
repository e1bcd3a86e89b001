using DistGen.Client.Commands;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;
using DistGen.Tests.Grains;

namespace DistGen.Tests.Client;

/// <summary>
/// What a malicious or broken cluster's manifest asks <c>distgen fetch</c> to write is refused before anything is
/// written; and <c>distgen run --out</c>'s path, an embedded silo's run folder over its loopback data plane, copies it whole.
/// </summary>
public sealed class ArtifactFilesTests : IDisposable
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private readonly string _root = Directory.CreateTempSubdirectory("distgen-fetch-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ArtifactManifest Manifest(params JobArtifact[] files) => new("job-1", "http://127.0.0.1:1", files);

    private static JobArtifact File(string name, long size = 3, string sha256 = Hash, string ticket = "ticket") => new(name, size, sha256, ticket);

    [Theory]
    [InlineData("../escaped.txt")]
    [InlineData("..")]
    [InlineData("/tmp/absolute.txt")]
    [InlineData("sub/../../escaped.txt")]
    [InlineData("sub//file.txt")]
    [InlineData("sub/")]
    [InlineData("sub/.hidden")]
    [InlineData("a/b/c/d/e.txt")]
    [InlineData("sub\\file.txt")]
    [InlineData("..%2fescaped.txt")]
    [InlineData(".bashrc")]
    [InlineData("")]
    [InlineData("bad\0name")]
    [InlineData("summary.json\n")]
    [InlineData("a..b")]
    public void A_name_that_is_not_a_plain_path_is_refused(string name)
    {
        var refused = Assert.Throws<UntrustedArtifactException>(() => ArtifactFiles.Check(Manifest(File("summary.json"), File(name))));

        Assert.Contains("not a plain path", refused.Message);
    }

    [Fact]
    public void A_name_sent_both_as_a_file_and_as_a_folder_is_refused()
    {
        var refused = Assert.Throws<UntrustedArtifactException>(() => ArtifactFiles.Check(Manifest(File("labels/x.jsonl"), File("Labels"))));

        Assert.Contains("both as a file and as a folder", refused.Message);
    }

    [Fact]
    public async Task A_file_in_the_way_of_a_folder_ends_the_fetch_with_a_download_error_naming_it()
    {
        var folder = Path.Combine(_root, "out");
        Directory.CreateDirectory(folder);
        System.IO.File.WriteAllText(Path.Combine(folder, "labels"), "a file where the folder goes");

        var failed = await Assert.ThrowsAsync<DistGen.Grains.Artifacts.ArtifactDownloadException>(() =>
            ArtifactFiles.DownloadAsync(Manifest(File("labels/answers.jsonl")), "job-1", folder, dataPlane: null, certificates: null, CancellationToken.None));

        Assert.Contains("labels/answers.jsonl cannot be written", failed.Message);
        Assert.False(failed.Unreachable);
    }

    [Fact]
    public void A_file_in_a_subfolder_of_the_run_folder_is_accepted()
    {
        ArtifactFiles.Check(Manifest(File("summary.json"), File("labels/iteration-1/answers.jsonl"), File("pretrain/checkpoint.bin")));

        Assert.Null(ArtifactFiles.Problem(File("a/b/c/d.txt")));
    }

    [Fact]
    public void An_oversize_repeated_or_unverifiable_artifact_is_refused()
    {
        var tooBig = Assert.Throws<UntrustedArtifactException>(() => ArtifactFiles.Check(Manifest(File("checkpoint.bin", ArtifactFiles.MaxFileBytes + 1))));
        Assert.Contains($"outside the limit of {ArtifactFiles.MaxFileBytes} bytes", tooBig.Message);
        Assert.Throws<UntrustedArtifactException>(() => ArtifactFiles.Check(Manifest(File("checkpoint.bin", -1))));

        var twice = Assert.Throws<UntrustedArtifactException>(() => ArtifactFiles.Check(Manifest(File("summary.json"), File("Summary.json"))));
        Assert.Contains("twice", twice.Message);

        foreach (var unverifiable in new[] { File("a.bin", sha256: ""), File("a.bin", sha256: Hash[..63] + "g"), File("a.bin", ticket: "") })
            Assert.Contains("without a SHA-256 or a ticket", Assert.Throws<UntrustedArtifactException>(() => ArtifactFiles.Check(Manifest(unverifiable))).Message);
    }

    [Fact]
    public async Task An_embedded_silos_run_folder_is_fetched_over_its_loopback_data_plane_byte_for_byte()
    {
        var runs = Path.Combine(_root, "runs");
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { ArtifactsRoot = runs });
        var status = await JobRuns.SubmitAndWaitAsync(silo.GrainFactory, """
            { "apiVersion": "distgen/v1", "name": "fetch-gan", "workload": "gan", "data": { "name": "grid25" },
              "model": { "hiddenSize": 16, "layers": 1 }, "training": { "steps": 10, "batchSize": 16, "logEvery": 5, "evalEvery": 10 } }
            """);
        Assert.Equal(JobState.Succeeded, status.State);
        var output = Path.Combine(_root, "out");

        var manifest = await ArtifactFiles.FetchAsync(silo.GrainFactory, status.JobId, output, dataPlane: null, certificates: null, CancellationToken.None);

        Assert.StartsWith("http://127.0.0.1:", manifest.DataPlaneEndpoint);
        Assert.Contains(manifest.Files, f => f.FileName == "checkpoint.bin");
        Assert.DoesNotContain(manifest.Files, f => f.FileName == "runner.lease");
        foreach (var artifact in manifest.Files)
            Assert.Equal(await System.IO.File.ReadAllBytesAsync(Path.Combine(runs, status.JobId, artifact.FileName)),
                await System.IO.File.ReadAllBytesAsync(Path.Combine(output, artifact.FileName)));
        Assert.Equal(manifest.Files.Length, Directory.GetFiles(output).Length);
    }
}
