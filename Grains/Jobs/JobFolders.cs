using System.Text.RegularExpressions;

namespace DistGen.Grains.Jobs;

/// <summary>Where a job's run folder is: one folder per job id, directly under Artifacts:Root.</summary>
public static partial class JobFolders
{
    /// <summary>The run folder of <paramref name="jobId"/>; an id that is not a plain folder name (a path, "..") is refused.</summary>
    public static string Of(string root, string jobId)
    {
        if (!PlainName().IsMatch(jobId) || jobId.Contains(".."))
            throw new ArgumentException($"job id '{jobId}' is not a valid run folder name (letters, digits, '.', '_' and '-' only)");
        return Path.GetFullPath(Path.Combine(root, jobId));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex PlainName();
}
