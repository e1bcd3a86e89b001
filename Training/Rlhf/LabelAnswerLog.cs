using System.Text.Json;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Appends answers to an answers file one line at a time and flushes each to disk before returning, so quitting, Ctrl+C
/// or a crash loses no answer already given. Lines: <c>{"id": "1-0007", "ranking": [2, 0, 1], "labeler": "person"}</c>,
/// <c>{"id": "1-0008", "skipped": true, ...}</c>, <c>{"id": "1-0007", "undone": true, ...}</c>.
/// </summary>
public sealed class LabelAnswerLog : IDisposable
{
    private readonly FileStream _file;

    public LabelAnswerLog(string path)
    {
        Path = path;
        try
        {
            _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabelFileException(path, 0, $"cannot append to it ({e.Message})");
        }
    }

    public string Path { get; }

    public void Append(LabelAnswer answer)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(Line(answer));
        _file.Write(line);
        _file.WriteByte((byte)'\n');
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();

    private static Dictionary<string, object> Line(LabelAnswer answer)
    {
        var line = new Dictionary<string, object> { ["id"] = answer.Id };
        if (answer.Ranking is not null) line["ranking"] = answer.Ranking;
        if (answer.Skipped) line["skipped"] = true;
        if (answer.Undone) line["undone"] = true;
        line["labeler"] = answer.Labeler;
        return line;
    }
}
