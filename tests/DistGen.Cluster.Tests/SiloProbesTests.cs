using System.Net;
using Xunit.Abstractions;

namespace DistGen.Cluster.Tests;

/// <summary>
/// The probes of a silo process as Kubernetes asks them: a silo that joins is alive but neither started nor ready; a
/// silo whose Redis is gone is alive and started but not ready, and ready again once Redis is back.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloProbesTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private const string Live = "/healthz/live", Ready = "/healthz/ready", Startup = "/healthz/startup";
    private const HttpStatusCode Ok = HttpStatusCode.OK, Unavailable = HttpStatusCode.ServiceUnavailable;

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-probes-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Readiness_fails_while_the_silo_joins_and_while_redis_is_down_and_liveness_stays_up()
    {
        var data = Directory.CreateDirectory(Path.Combine(_folder, "redis-data")).FullName;
        var redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(15), data);
        var clusterId = $"{cluster.ClusterId}-probes";
        try
        {
            // A member that stops answering holds a joining silo back: the newcomer checks that it reaches every active
            // member before it becomes Active itself.
            await using var frozen = await SiloProcess.StartAsync("probes-frozen", clusterId, redis.Endpoint, TimeSpan.FromSeconds(90));
            frozen.Process.Freeze();
            await using var silo = SiloProcess.Launch("probed", clusterId, redis.Endpoint);
            List<Sample> joining;
            try
            {
                // Held back for at least 2 s (40 samples): alive, neither started nor ready.
                joining = await SampleUntilAsync(silo, samples => samples.Count >= 40 && samples.TakeLast(40).All(s => s == new Sample(Ok, Unavailable, Unavailable)),
                    TimeSpan.FromSeconds(60));
            }
            finally
            {
                frozen.Process.Resume();
            }
            joining.AddRange(await SampleUntilAsync(silo, samples => samples[^1].Ready == Ok, TimeSpan.FromSeconds(90)));
            output.WriteLine($"while joining: {Counted(joining)}");
            Assert.DoesNotContain(joining, s => s.Ready == Ok && s.Startup != Ok);
            Assert.All(joining.Where(s => s.Live is not null), s => Assert.Equal(Ok, s.Live));
            var ready = await silo.GetAsync(Ready);
            foreach (var check in new[] { "active in the cluster", "data plane listening", "redis" }) Assert.Contains($"\"name\":\"{check}\",\"status\":\"Healthy\"", ready.Body);

            await redis.KillAsync();
            var redisDown = await SampleUntilAsync(silo, samples => samples[^1].Ready == Unavailable, TimeSpan.FromSeconds(30));
            output.WriteLine($"Redis down: {Counted(redisDown)}");
            Assert.All(redisDown, s => Assert.Equal((Ok, Ok), (s.Live, s.Startup)));
            var unready = await silo.GetAsync(Ready);
            Assert.Contains("\"name\":\"redis\",\"status\":\"Unhealthy\"", unready.Body);
            Assert.Contains($"Redis at {redis.Endpoint} does not answer", unready.Body);

            redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(15), data, redis.Port);
            var back = await SampleUntilAsync(silo, samples => samples[^1].Ready == Ok, TimeSpan.FromSeconds(60));
            output.WriteLine($"Redis back: {Counted(back)}");
            Assert.All(back, s => Assert.Equal((Ok, Ok), (s.Live, s.Startup)));
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    // (live, ready, startup) x number of samples, in order of first appearance.
    private static string Counted(List<Sample> samples) =>
        string.Join(", ", samples.GroupBy(s => s).Select(g => $"{g.Key} x {g.Count()}"));

    // Asks the three probes every 50 ms until `done` holds for the samples so far (the last included), or fails after `timeout`.
    private static async Task<List<Sample>> SampleUntilAsync(SiloProcess silo, Func<List<Sample>, bool> done, TimeSpan timeout)
    {
        var samples = new List<Sample>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            samples.Add(new Sample(await silo.ProbeAsync(Live), await silo.ProbeAsync(Ready), await silo.ProbeAsync(Startup)));
            if (done(samples)) return samples;
            if (silo.Process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException(
                    $"the probes did not reach the awaited state within {timeout.TotalSeconds} s (exited: {silo.Process.HasExited}); " +
                    $"seen {Counted(samples)}:\n{silo.Process.Tail}");
            await Task.Delay(50);
        }
    }

    /// <summary>What the three probes answered at one moment (null: the port did not answer).</summary>
    private readonly record struct Sample(HttpStatusCode? Live, HttpStatusCode? Ready, HttpStatusCode? Startup)
    {

        public override string ToString() => $"(live {Live?.ToString() ?? "-"}, ready {Ready?.ToString() ?? "-"}, startup {Startup?.ToString() ?? "-"})";
    }
}
