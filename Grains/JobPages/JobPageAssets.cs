using System.Collections.Frozen;

namespace DistGen.Grains.JobPages;

/// <summary>
/// The job pages' HTML, stylesheet and scripts (Grains/JobPages/Assets), embedded in this assembly at build time: a silo
/// serves them without reading the disk or the internet.
/// </summary>
public static class JobPageAssets
{
    private const string Prefix = "JobPages/";

    private static readonly FrozenDictionary<string, byte[]> Files = Load();

    /// <summary>The names of the embedded files.</summary>
    public static IEnumerable<string> Names => Files.Keys;

    /// <summary>The bytes and content type of <paramref name="name"/>, or null when there is no such file.</summary>
    public static (byte[] Bytes, string ContentType)? Find(string name) =>
        Files.TryGetValue(name, out var bytes) ? (bytes, ContentTypeOf(name)) : null;

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(JobPageAssets).Assembly;
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToFrozenDictionary(
            n => n[Prefix.Length..],
            n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });
    }
}
