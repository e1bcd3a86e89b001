using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>A silo process with JSON console logs, as the Helm chart runs it for Kubernetes log stacks.</summary>
[Collection(ClusterCollection.Name)]
public sealed class JsonLogsTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-json-logs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_silo_with_json_logs_writes_one_object_per_line_and_a_jobs_lines_carry_its_id_as_a_scope()
    {
        var clusterId = $"{cluster.ClusterId}-json";
        await using var silo = await SiloProcess.StartAsync("json-logs", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["DISTGEN__Logging__Console__FormatterName"] = "json" });
        var spec = Path.Combine(_folder, "vae.json");
        File.WriteAllText(spec, """
            { "apiVersion": "distgen/v1", "name": "vae-logged", "workload": "vae", "seed": 4,
              "data": { "name": "fashion-mnist" }, "model": { "hiddenSize": 32, "latentSize": 4 },
              "training": { "steps": 10, "batchSize": 32, "trainLimit": 500, "testLimit": 100, "logEvery": 5, "evalEvery": 10 } }
            """);
        string[] connection = ["--redis", cluster.Redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, $"submit exit {submit.ExitCode}:\n{submit.Tail}");
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        var watch = await ClusterFixture.RunDistgenAsync(["watch", jobId, .. connection], TimeSpan.FromMinutes(3));
        Assert.True(watch.ExitCode == 0, $"watch exit {watch.ExitCode}:\n{watch.Tail}");

        var entries = silo.Process.StandardOutput.Split('\n').Where(line => line.Trim().Length > 0).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.Clone();
        }).ToList();
        Assert.All(entries, entry =>
        {
            foreach (var field in new[] { "Timestamp", "LogLevel", "Category", "Message" }) Assert.True(entry.TryGetProperty(field, out _), $"{field} missing: {entry}");
        });
        var ended = Assert.Single(entries, e => e.GetProperty("Message").GetString()!.StartsWith($"job {jobId}: Succeeded", StringComparison.Ordinal));
        Assert.Contains(ended.GetProperty("Scopes").EnumerateArray(),
            scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("JobId", out var id) && id.GetString() == jobId);
    }
}
