using System.Text.RegularExpressions;
using DistGen.Training.Rlhf;

namespace DistGen.Client.Labeling;

/// <summary>
/// A requests file and its answers file. The answers file is only ever appended to (<see cref="LabelAnswerLog"/>, one
/// flushed line per answer), so a session stopped any way loses nothing already answered, and replaying it on the next
/// start picks up where the last session stopped.
/// </summary>
public sealed partial class LabelFileSource : ILabelSource, IDisposable
{
    private const string Extension = ".jsonl";
    private readonly LabelSessionLock _session;
    private readonly LabelAnswerLog _log;
    private readonly string _requestsPath;
    private readonly string? _answersOption;

    private LabelFileSource(LabelSessionLock session, string requestsPath, string? answersOption, string answersPath, IReadOnlyList<LabelRequest> requests, LabelAnswers answers)
    {
        _session = session;
        _requestsPath = requestsPath;
        _answersOption = answersOption;
        AnswersLocation = answersPath;
        Requests = requests;
        Answers = answers;
        _log = new LabelAnswerLog(answersPath);
    }

    public string Name => _requestsPath;

    public string AnswersLocation { get; }

    public string ResumeCommand =>
        $"distgen label {ShellWord(_requestsPath)}" + (_answersOption is null ? "" : $" --answers {ShellWord(_answersOption)}");

    public IReadOnlyList<LabelRequest> Requests { get; }

    public LabelAnswers Answers { get; }

    /// <summary>The answers file beside <paramref name="requestsPath"/>: its name with .answers.jsonl replacing .jsonl.</summary>
    public static string DefaultAnswersPath(string requestsPath) =>
        (requestsPath.EndsWith(Extension, StringComparison.Ordinal) ? requestsPath[..^Extension.Length] : requestsPath) + ".answers" + Extension;

    /// <summary>
    /// Reads the requests and replays the answers (<paramref name="answersPath"/>, or the default beside the requests).
    /// Throws <see cref="LabelFileException"/> naming the file and line of the first problem, or
    /// <see cref="LabelSessionBusyException"/> when another session is answering into the answers file, before anything is written; <see cref="ArgumentException"/> when both paths name one file.
    /// </summary>
    public static LabelFileSource Open(string requestsPath, string? answersPath)
    {
        var answersFile = answersPath ?? DefaultAnswersPath(requestsPath);
        if (Path.GetFullPath(answersFile) == Path.GetFullPath(requestsPath))
            throw new ArgumentException($"the answers file {answersFile} is the requests file; answers go to a file of their own");
        var session = LabelSessionLock.Acquire(answersFile);
        try
        {
            var requests = LabelRequestFile.Read(requestsPath);
            if (requests.Count == 0) throw new LabelFileException(requestsPath, 0, "holds no requests");
            var answers = LabelAnswers.Load(answersFile, requests);
            EndLastLine(answersFile);
            return new LabelFileSource(session, requestsPath, answersPath, answersFile, requests, answers);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public Task RecordAsync(LabelAnswer answer, CancellationToken cancel)
    {
        _log.Append(answer);
        Answers.Apply(answer);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _log.Dispose();
        _session.Dispose();
    }

    // A file edited by hand may lack its last newline; the next answer appended would then join that line and spoil both.
    private static void EndLastLine(string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            if (file.Length == 0) return;
            file.Seek(-1, SeekOrigin.End);
            if (file.ReadByte() == '\n') return;
            file.WriteByte((byte)'\n');
            file.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabelFileException(path, 0, $"cannot append to it ({e.Message})");
        }
    }

    // Quoted for a POSIX shell only when it has to be, so the resume command reads as typed.
    private static string ShellWord(string word) =>
        PlainWord().IsMatch(word) ? word : "'" + word.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_./:=@%+-]+$")]
    private static partial Regex PlainWord();
}
