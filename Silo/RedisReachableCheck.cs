using DistGen.Grains.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace DistGen.Silo;

/// <summary>
/// Ready while Redis answers a PING within <see cref="PingTimeout"/>: the silo keeps its membership, job records and
/// reminders there, so without it the silo cannot take part in the cluster. One connection, made on the first check
/// and kept (it reconnects by itself); the reason names Redis's endpoints, never its password.
/// </summary>
public sealed class RedisReachableCheck(RedisConnection redis) : IHealthCheck, IAsyncDisposable
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    private readonly ConfigurationOptions _options = ClusterProviders.Options(redis, forProbe: true);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    private string Endpoints => string.Join(", ", _options.EndPoints.Select(endpoint => endpoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endpoint.ToString(),
    }));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await ConnectAsync();
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(PingTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis at {Endpoints} answered in {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Redis at {Endpoints} does not answer: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connecting.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        if (_connection is { } made) return made;
        await _connecting.WaitAsync();
        try
        {
            // abortConnect=false: made even while Redis is down, and reconnects when it is back.
            return _connection ??= await ConnectionMultiplexer.ConnectAsync(_options);
        }
        finally
        {
            _connecting.Release();
        }
    }
}
