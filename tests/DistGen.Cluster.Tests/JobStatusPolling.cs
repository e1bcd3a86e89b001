using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>A job's status as <c>distgen status --json</c> prints it, asked again and again until it says what a test waits for.</summary>
public static class JobStatusPolling
{
    public static bool IsFinished(JsonElement status) => status.GetProperty("State").GetString() is "Succeeded" or "Failed" or "Cancelled";

    /// <summary>distgen status fails while the cluster is unreachable (Redis down, a silo frozen): keeps asking until the deadline.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(string jobId, string[] connection, Func<JsonElement, bool> done, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var run = await ClusterFixture.RunDistgenAsync(["status", jobId, "--json", .. connection], TimeSpan.FromSeconds(120));
            last = run.ExitCode == 0 ? run.StandardOutput : run.Tail;
            if (run.ExitCode == 0)
            {
                var status = JsonDocument.Parse(run.StandardOutput).RootElement.Clone();
                if (done(status)) return status;
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"job {jobId} did not get there within {limit}; last status:\n{last}");
    }
}
