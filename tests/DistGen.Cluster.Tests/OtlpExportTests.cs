using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace DistGen.Cluster.Tests;

/// <summary>A silo process pushes its metrics over OTLP (HTTP, protobuf) to a collector: here a loopback listener of the test.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OtlpExportTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_silo_with_an_otlp_endpoint_pushes_distgen_orleans_and_process_metrics_with_its_headers()
    {
        var port = LoopbackPorts.Next();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new ConcurrentQueue<(string Path, string? ContentType, string? ApiKey, byte[] Body)>();
        using var stop = new CancellationTokenSource();
        var listening = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, context.Request.Headers["api-key"], body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var clusterId = $"{cluster.ClusterId}-otlp";
        await using (var silo = await SiloProcess.StartAsync("otlp", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(90), new Dictionary<string, string>
        {
            ["DISTGEN__Otlp__Endpoint"] = $"http://127.0.0.1:{port}",
            ["DISTGEN__Otlp__ExportInterval"] = "00:00:01",
            ["DISTGEN__Otlp__Headers"] = "api-key=test-key",
        }))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            // Metric names travel as UTF-8 strings inside the protobuf: enough to see what was sent.
            static bool Sent(IEnumerable<byte[]> bodies, string name) => bodies.Any(b => Encoding.UTF8.GetString(b).Contains(name, StringComparison.Ordinal));
            string[] names = ["distgen.dataplane.store.bytes", "process.cpu.time", "orleans-"];
            while (!names.All(n => Sent(received.Select(r => r.Body), n)))
            {
                Assert.True(DateTime.UtcNow < deadline, $"after 60 s the collector had {received.Count} exports, missing " +
                    string.Join(", ", names.Where(n => !Sent(received.Select(r => r.Body), n))) + $"\n{silo.Process.Tail}");
                await Task.Delay(250);
            }
        }
        stop.Cancel();
        collector.Stop();
        await listening;

        Assert.All(received, r =>
        {
            Assert.Equal("/v1/metrics", r.Path);
            Assert.Equal("application/x-protobuf", r.ContentType);
            Assert.Equal("test-key", r.ApiKey);
        });
    }
}
