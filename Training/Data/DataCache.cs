namespace DistGen.Training.Data;

/// <summary>
/// The folder where real data sets live once fetched: <c>$DISTGEN_DATA</c>, else <c>~/.cache/distgen</c>.
/// Each data set has a sub-folder named after it; loaders ask for files and get a clear error when they are missing.
/// </summary>
public sealed class DataCache
{
    public string Root { get; }

    public DataCache(string root) => Root = Path.GetFullPath(root);

    /// <summary>The cache the environment points at.</summary>
    public static DataCache Default => new(DefaultRoot());

    public static string DefaultRoot()
    {
        var configured = Environment.GetEnvironmentVariable("DISTGEN_DATA");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "distgen");
    }

    public string FolderOf(string dataset) => Path.Combine(Root, dataset);

    /// <summary>Path of a file of a data set, or a <see cref="DataMissingException"/> naming the command that fetches it.</summary>
    public string RequireFile(string dataset, string fileName)
    {
        var path = Path.Combine(FolderOf(dataset), fileName);
        if (!File.Exists(path)) throw new DataMissingException(dataset, path);
        return path;
    }
}

/// <summary>A job needs a data set that is not in the cache yet.</summary>
public sealed class DataMissingException(string dataset, string path)
    : Exception($"data set '{dataset}' is not in the data cache ({path} is missing); run: distgen data get {dataset}")
{
    public string Dataset { get; } = dataset;
}
