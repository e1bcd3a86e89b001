using System.Text.Json;

namespace DistGen.Cluster.Tests;

/// <summary>
/// A real cluster for the tests of the "Cluster" collection: redis-server and two DistGen.Silo processes with Redis
/// clustering, everything on 127.0.0.1 with free ports. Stops what it started, also when starting fails half-way.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly List<SiloProcess> _silos = [];

    /// <summary>A cluster id of this run only.</summary>
    public string ClusterId { get; } = $"distgen-test-{Guid.NewGuid():N}"[..21];

    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The two silos started with the fixture (tests may add and stop others).</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    public async Task InitializeAsync()
    {
        try
        {
            Redis = await RedisServer.StartAsync(TimeSpan.FromSeconds(15));
            // Both silos start at once; the second joins through the membership table.
            var starting = new[] { "silo-a", "silo-b" }.Select(StartSiloAsync).ToList();
            foreach (var silo in starting)
            {
                try
                {
                    _silos.Add(await silo);
                }
                catch
                {
                    await Task.WhenAll(starting.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result).Except(_silos)
                        .Select(s => s.DisposeAsync().AsTask()));
                    throw;
                }
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts another silo of this cluster; the caller stops it.</summary>
    public Task<SiloProcess> StartSiloAsync(string name) => SiloProcess.StartAsync(name, ClusterId, Redis.Endpoint, StartTimeout);

    /// <summary>Runs <c>distgen</c> with the arguments and waits for it (killing it after <paramref name="timeout"/>).</summary>
    public static async Task<DistgenRun> RunDistgenAsync(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        using var process = ChildProcess.Start("distgen", BuiltPrograms.Dotnet, [BuiltPrograms.Distgen, .. arguments],
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "0", ["NO_COLOR"] = "1" });
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        if (!await process.WaitForExitAsync(limit))
            throw new TimeoutException($"distgen {string.Join(' ', arguments)} did not finish within {limit.TotalSeconds} s:\n{process.Tail}");
        return new DistgenRun(process.ExitCode, process.StandardOutput, process.Tail);
    }

    /// <summary>The connection flags of this cluster, for distgen.</summary>
    public string[] ConnectionArguments => ["--redis", Redis.Endpoint, "--cluster-id", ClusterId, .. PatientConnect];

    /// <summary>
    /// A connect timeout for calls that must succeed: the console's 10 s default is not met by a 2-core machine that runs
    /// both test assemblies' silos at once. Tests of refusals keep short timeouts of their own.
    /// </summary>
    public static readonly string[] PatientConnect = ["--connect-timeout", "40"];

    public async Task DisposeAsync()
    {
        // Silos first: leaving the cluster needs Redis.
        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask()));
        if (Redis is not null) await Redis.DisposeAsync();
    }
}

/// <summary>How a distgen run ended: exit code, stdout, and the last lines of stdout and stderr.</summary>
public sealed record DistgenRun(int ExitCode, string StandardOutput, string Tail)
{
    /// <summary>The JSON the run printed; fails the test with the run's tail when it exited non-zero instead.</summary>
    public JsonDocument Json()
    {
        Assert.True(ExitCode == 0, $"distgen exit {ExitCode}:\n{Tail}");
        return JsonDocument.Parse(StandardOutput);
    }
}

/// <summary>The tests that share one <see cref="ClusterFixture"/>, run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}
