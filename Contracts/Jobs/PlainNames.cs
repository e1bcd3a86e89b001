using System.Text.RegularExpressions;

namespace DistGen.Contracts.Jobs;

/// <summary>
/// The names a job id (its run folder's name) and the files of a run folder may have: one path segment of letters,
/// digits, '.', '_' and '-', at most 128 characters, not starting or ending with a dot, without "..", and no name of a
/// Windows device (CON, NUL, COM1, ...). No separator, no escape ("%2f"), no control character: such a name can never
/// leave the folder it is combined with. A file in a
/// subfolder of a run folder (an RLHF run's <c>labels/iteration-1/answers.jsonl</c>) is a plain path: plain names
/// joined by '/', at most <see cref="MaxDepth"/> of them.
/// </summary>
public static partial class PlainNames
{
    /// <summary>Segments a plain path may have: a file and the folders above it inside a run folder.</summary>
    public const int MaxDepth = 4;

    /// <summary>True when <paramref name="name"/> is a plain name.</summary>
    public static bool IsPlain(string? name) => name is not null && Pattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal)
        && !name.EndsWith('.') && !WindowsDevice().IsMatch(name);

    /// <summary>True when <paramref name="path"/> is 1 to <see cref="MaxDepth"/> plain names joined by '/' (no leading, trailing or double '/').</summary>
    public static bool IsPlainPath(string? path) =>
        path is { Length: <= MaxDepth * (MaxLength + 1) } && path.Split('/') is { Length: >= 1 and <= MaxDepth } segments && segments.All(IsPlain);

    /// <summary>A plain path as a path under <paramref name="folder"/> on this machine.</summary>
    public static string Under(string folder, string plainPath) =>
        IsPlainPath(plainPath) ? Path.Combine([folder, .. plainPath.Split('/')]) : throw new ArgumentException($"'{Printable(plainPath)}' is not a plain path", nameof(plainPath));

    /// <summary>A name as messages may show it: at most 80 characters, control characters as '?'.</summary>
    public static string Printable(string? name) => new((name ?? "").Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private const int MaxLength = 128;

    // \z, not $: "$" also matches before a final newline.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z")]
    private static partial Regex Pattern();

    // Names Windows gives to devices, whatever the extension ("nul.txt" is the device too): a console there could not write them.
    [GeneratedRegex(@"\A(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?\z", RegexOptions.IgnoreCase)]
    private static partial Regex WindowsDevice();
}
