namespace DistGen.Training.Data;

/// <summary>
/// The King James Bible (public domain) as a character corpus: <c>kjv/kjv.txt</c> in the data cache holds one verse
/// per line with the verse labels stripped (about 4.1 M characters, 63 distinct ASCII characters including '\n').
/// The fetcher makes it from Debian's <c>bible-kjv-text</c> data decoded by the <c>bible</c> program of <c>bible-kjv</c>.
/// </summary>
public static class KingJamesBible
{
    public const string DatasetName = "kjv";
    public const string FileName = "kjv.txt";

    /// <summary>The verse reference range that covers the whole text.</summary>
    public const string WholeText = "Gen1:1-Rev22:21";

    /// <summary>The number of verses in the text.</summary>
    public const int VerseCount = 31_102;

    /// <summary>Loads the text as a corpus whose last <paramref name="validationFraction"/> is the validation part.</summary>
    public static CharCorpus Load(DataCache cache, double validationFraction = 0.1) =>
        new(File.ReadAllText(cache.RequireFile(DatasetName, FileName)), validationFraction);

    /// <summary>
    /// Turns the output of <c>bible -f -l 0</c> (one verse a line, each starting with a label such as "Ge1:1 " or
    /// "1Jn3:16 ") into plain text, one verse a line, each ending with '\n'. A line without a label is an error, so a
    /// change of the program's format is noticed rather than learnt.
    /// </summary>
    public static string StripVerseLabels(string labelledText)
    {
        var text = new System.Text.StringBuilder(labelledText.Length);
        int lineNumber = 0;
        foreach (var line in labelledText.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (line.IsEmpty) continue;
            int labelLength = VerseLabelLength(line);
            if (labelLength == 0)
                throw new InvalidDataException($"line {lineNumber} of the bible program's output has no verse label: \"{Shorten(line)}\"");
            text.Append(line[labelLength..]).Append('\n');
        }
        return text.ToString();
    }

    // A label is [1-3]? letters digits ':' digits ' ' ; returns its length including the space, or 0.
    private static int VerseLabelLength(ReadOnlySpan<char> line)
    {
        int i = 0;
        if (i < line.Length && line[i] is >= '1' and <= '3') i++;
        int start = i;
        while (i < line.Length && char.IsAsciiLetter(line[i])) i++;
        if (i == start) return 0;
        if (!SkipDigits(line, ref i) || i >= line.Length || line[i] != ':') return 0;
        i++;
        if (!SkipDigits(line, ref i) || i >= line.Length || line[i] != ' ') return 0;
        return i + 1;
    }

    private static bool SkipDigits(ReadOnlySpan<char> line, ref int i)
    {
        int start = i;
        while (i < line.Length && char.IsAsciiDigit(line[i])) i++;
        return i > start;
    }

    private static string Shorten(ReadOnlySpan<char> line) => line.Length <= 60 ? line.ToString() : line[..60].ToString() + "...";
}
