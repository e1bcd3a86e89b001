using System.CommandLine;

namespace DistGen.Client.Connection;

/// <summary>
/// Runs a command's work against the cluster and maps connection trouble to the exit codes: bad connection flags
/// give 2, an unreachable (or lost) cluster or job storage gives 3, each with one line on stderr saying what to do.
/// </summary>
public static class ClusterSession
{
    /// <summary>Reads the connection flags of <paramref name="parse"/>, connects, runs <paramref name="work"/>, disconnects.</summary>
    public static Task<int> RunAsync(ParseResult parse, ConnectionOptions options, Func<ClusterConnection, CancellationToken, Task<int>> work,
        CancellationToken cancellationToken, TextWriter? error = null)
    {
        error ??= Console.Error;
        ClusterConnectionSettings settings;
        try
        {
            settings = options.Read(parse);
        }
        catch (ConnectionSettingsException bad)
        {
            error.WriteLine(bad.Message);
            return Task.FromResult(ExitCodes.BadInput);
        }
        return RunAsync(settings, work, cancellationToken, error);
    }

    /// <summary>Connects with <paramref name="settings"/>, runs <paramref name="work"/> and returns its exit code, or 2/3.</summary>
    public static async Task<int> RunAsync(ClusterConnectionSettings settings, Func<ClusterConnection, CancellationToken, Task<int>> work,
        CancellationToken cancellationToken, TextWriter? error = null)
    {
        error ??= Console.Error;
        try
        {
            await using var connection = await ClusterConnection.ConnectAsync(settings, cancellationToken);
            try
            {
                return await work(connection, cancellationToken);
            }
            catch (Exception lost) when (!cancellationToken.IsCancellationRequested && ClusterConnection.IsUnreachable(lost) && lost is not OperationCanceledException)
            {
                throw new ClusterUnreachableException(
                    $"lost the cluster '{settings.ClusterId}' through {settings.Target} ({lost.GetBaseException().Message.Split('\n')[0].Trim()}): " +
                    "check the silos (distgen cluster) and run the command again.", lost);
            }
        }
        catch (ClusterUnreachableException unreachable)
        {
            error.WriteLine(unreachable.Message);
            return ExitCodes.ClusterUnreachable;
        }
        catch (ConnectionSettingsException bad)
        {
            error.WriteLine(bad.Message);
            return ExitCodes.BadInput;
        }
        catch (DistGen.Grains.Jobs.StorageOutageException outage)
        {
            // The silos answered but their job storage (Redis) did not: nothing was submitted or changed.
            error.WriteLine($"the cluster '{settings.ClusterId}' could not reach its job storage: {outage.Message.TrimEnd('.')}. " +
                "Check Redis (Cluster:Redis on the silos) and run the command again.");
            return ExitCodes.ClusterUnreachable;
        }
        catch (UnauthorizedAccessException refused)
        {
            error.WriteLine($"the cluster '{settings.ClusterId}' refused this command: {refused.Message.TrimEnd('.')}. " +
                "Submitting and cancelling need an operator certificate (--cert/--key, made by 'distgen cert init').");
            return ExitCodes.Refused;
        }
    }
}
