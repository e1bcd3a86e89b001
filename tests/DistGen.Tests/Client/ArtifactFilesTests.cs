using DistGen.Client.Commands;
using DistGen.Contracts.Jobs;

namespace DistGen.Tests.Client;

/// <summary>What a malicious or broken cluster sends to <c>distgen fetch</c> is refused before anything is written.</summary>
public sealed class ArtifactFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distgen-fetch-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("../escaped.txt")]
    [InlineData("..")]
    [InlineData("/tmp/absolute.txt")]
    [InlineData("sub/file.txt")]
    [InlineData("sub\\file.txt")]
    [InlineData(".bashrc")]
    [InlineData("")]
    [InlineData("bad\0name")]
    [InlineData("a..b")]
    public async Task A_name_that_is_not_a_plain_file_name_is_refused_and_nothing_is_written(string name)
    {
        var folder = Path.Combine(_root, "out");
        JobArtifact[] artifacts = [new("summary.json", "{}"u8.ToArray()), new(name, [1, 2, 3])];

        var refused = await Assert.ThrowsAsync<UntrustedArtifactException>(() => ArtifactFiles.WriteAllAsync(folder, artifacts, CancellationToken.None));

        Assert.Contains("not a plain file name", refused.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)); // not even the folder
    }

    [Fact]
    public async Task An_oversize_or_repeated_artifact_is_refused_and_earlier_files_stay_whole()
    {
        var folder = Path.Combine(_root, "out");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "summary.json"), "earlier");

        var big = new JobArtifact("checkpoint.bin", new byte[ArtifactFiles.MaxFileBytes + 1]);
        var tooBig = await Assert.ThrowsAsync<UntrustedArtifactException>(() =>
            ArtifactFiles.WriteAllAsync(folder, [new("summary.json", "{}"u8.ToArray()), big], CancellationToken.None));
        Assert.Contains($"above the limit of {ArtifactFiles.MaxFileBytes} bytes", tooBig.Message);

        var twice = await Assert.ThrowsAsync<UntrustedArtifactException>(() =>
            ArtifactFiles.WriteAllAsync(folder, [new("summary.json", "{}"u8.ToArray()), new("Summary.json", [])], CancellationToken.None));
        Assert.Contains("twice", twice.Message);

        Assert.Equal("earlier", await File.ReadAllTextAsync(Path.Combine(folder, "summary.json")));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task A_run_folders_files_are_written_as_sent()
    {
        var folder = Path.Combine(_root, "out");
        JobArtifact[] artifacts = [new("checkpoint.prev.bin", [9, 8]), new("metrics.csv", "round\n1\n"u8.ToArray()), new("summary.json", "{}"u8.ToArray())];

        await ArtifactFiles.WriteAllAsync(folder, artifacts, CancellationToken.None);

        foreach (var artifact in artifacts) Assert.Equal(artifact.Content, await File.ReadAllBytesAsync(Path.Combine(folder, artifact.FileName)));
        Assert.Equal(3, Directory.GetFiles(folder).Length);
    }
}
