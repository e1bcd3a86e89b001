using DistGen.Contracts.Jobs;

namespace DistGen.Grains.Jobs;

/// <summary>Where a job's run folder is: one folder per job id, directly under Artifacts:Root.</summary>
public static class JobFolders
{
    /// <summary>The run folder of <paramref name="jobId"/>; an id that is not a plain folder name (a path, "..") is refused.</summary>
    public static string Of(string root, string jobId)
    {
        if (!PlainNames.IsPlain(jobId))
            throw new ArgumentException($"job id '{jobId}' is not a valid run folder name (letters, digits, '.', '_' and '-' only)");
        return Path.GetFullPath(Path.Combine(root, jobId));
    }
}
