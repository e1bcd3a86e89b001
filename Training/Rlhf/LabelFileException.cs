namespace DistGen.Training.Rlhf;

/// <summary>A requests or answers file that cannot be read as one: names the file, the line and what is wrong.</summary>
public sealed class LabelFileException(string path, int line, string problem)
    : Exception(line > 0 ? $"{path} line {line}: {problem}" : $"{path}: {problem}")
{
    public string Path { get; } = path;

    /// <summary>1-based line number; 0 when the problem is the file as a whole.</summary>
    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
