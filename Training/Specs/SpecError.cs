namespace DistGen.Training.Specs;

/// <summary>One problem in a job spec: the JSON path it is at and what is wrong, in words a user can act on.</summary>
public sealed record SpecError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";

    /// <summary>An error as <see cref="ToString"/> wrote it ("$.path: message"); any other sentence is an error of the whole spec ("$").</summary>
    public static SpecError Parse(string text)
    {
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        return text.StartsWith('$') && colon > 0 && !text[..colon].Contains(' ') ? new SpecError(text[..colon], text[(colon + 2)..]) : new SpecError("$", text);
    }
}

/// <summary>A job spec that cannot run; carries every problem found, each with its JSON path.</summary>
public sealed class SpecException(IReadOnlyList<SpecError> errors)
    : Exception("invalid job spec:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;

    public SpecException(string path, string message) : this(new[] { new SpecError(path, message) }) { }
}
