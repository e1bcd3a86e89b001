using System.Text.RegularExpressions;

namespace DistGen.Contracts.Jobs;

/// <summary>
/// The names a job id (its run folder's name) and the files of a run folder may have: one path segment of letters,
/// digits, '.', '_' and '-', at most 128 characters, not starting with a dot and without "..". No separator, no
/// escape ("%2f"), no control character: such a name can never leave the folder it is combined with.
/// </summary>
public static partial class PlainNames
{
    /// <summary>True when <paramref name="name"/> is a plain name.</summary>
    public static bool IsPlain(string? name) => name is not null && Pattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>A name as messages may show it: at most 80 characters, control characters as '?'.</summary>
    public static string Printable(string? name) => new((name ?? "").Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    // \z, not $: "$" also matches before a final newline.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z")]
    private static partial Regex Pattern();
}
