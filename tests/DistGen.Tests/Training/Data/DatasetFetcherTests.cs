using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class DatasetFetcherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distgen-cache-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Unknown_name_fails_naming_the_known_data_sets()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => DatasetFetcher.FetchAsync("cifar10", new DataCache(_root), TextWriter.Null));
        Assert.Contains("cifar10", error.Message);
        Assert.All(new[] { "fashion-mnist", "mnist", "kjv" }, name => Assert.Contains(name, error.Message));
    }

    [Fact]
    public void Missing_data_names_the_command_that_fetches_it()
    {
        var error = Assert.Throws<DataMissingException>(() => KingJamesBible.Load(new DataCache(_root)));
        Assert.Contains("distgen data get kjv", error.Message);
        Assert.Equal("kjv", error.Dataset);
    }

    [Fact]
    public async Task Data_set_already_in_the_cache_is_left_alone()
    {
        var cache = new DataCache(_root);
        var folder = Directory.CreateDirectory(cache.FolderOf("kjv")).FullName;
        File.WriteAllText(Path.Combine(folder, "kjv.txt"), "In the beginning.\n");
        var log = new StringWriter();

        await DatasetFetcher.FetchAsync("kjv", cache, log);

        Assert.Contains("already in", log.ToString());
        Assert.Equal("In the beginning.\n", File.ReadAllText(Path.Combine(folder, "kjv.txt")));
    }

    [Fact]
    public async Task Cancelled_fetch_leaves_no_partial_data_set_behind()
    {
        var cache = new DataCache(_root);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DatasetFetcher.FetchAsync("fashion-mnist", cache, TextWriter.Null, cancelled.Token));

        Assert.False(DatasetFetcher.IsPresent("fashion-mnist", cache));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }
}
