using DistGen.Grains.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DistGen.Silo;

/// <summary>
/// Until 2026-11-30 every cluster's service id was "distgen" whatever its ClusterId; now it is the ClusterId unless
/// Cluster:ServiceId is set. A cluster upgraded from then with another ClusterId would not see its own jobs (their records
/// and reminders are under "distgen/" in Redis), so once the silo has started this looks for them and, when there are
/// some, says how to keep seeing them. It only reads, never blocks the start, and gives up quietly when Redis is slow.
/// </summary>
public sealed class FormerServiceIdNotice(IOptions<ClusterHostOptions> options, IHostApplicationLifetime lifetime, ILogger<FormerServiceIdNotice> logger)
    : BackgroundService
{
    /// <summary>The service id every cluster had before it followed the ClusterId.</summary>
    public const string FormerServiceId = "distgen";

    private static readonly TimeSpan LookFor = TimeSpan.FromSeconds(10);

    /// <summary>Whether the silo's settings leave the service id to the ClusterId, and so may miss jobs kept under the former one.</summary>
    public static bool Applies(ClusterHostOptions options) =>
        options.UsesRedis && string.IsNullOrWhiteSpace(options.ServiceId) && options.EffectiveServiceId != FormerServiceId;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var cluster = options.Value;
        if (!Applies(cluster)) return;
        // A notice must never stop the silo: nothing escapes (an exception out of a background service ends the host).
        try
        {
            var started = new TaskCompletionSource();
            using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            await started.Task.WaitAsync(stopping);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(LookFor);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(ClusterProviders.Options(cluster.RedisConnection, forProbe: true));
            if (!await HoldsFormerJobsAsync(redis, deadline.Token)) return;
            logger.LogWarning(
                "Redis holds job records or reminders of service '" + FormerServiceId + "', the service id of every cluster before it followed the " +
                "ClusterId; this silo's service id is '{ServiceId}' (its ClusterId), so it does not see them. If they are this cluster's jobs, set " +
                "Cluster:ServiceId=" + FormerServiceId + " on every silo (DISTGEN__Cluster__ServiceId; cluster.serviceId in the Helm chart) and give " +
                "the console --service-id " + FormerServiceId + "; if they belong to another cluster, nothing is wrong",
                cluster.EffectiveServiceId);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogDebug("could not look for jobs of service '" + FormerServiceId + "' in Redis: {Error}", e.Message);
        }
    }

    // Reminders of running jobs (one key), else any job record (the first key a bounded scan finds).
    private static async Task<bool> HoldsFormerJobsAsync(ConnectionMultiplexer redis, CancellationToken cancel)
    {
        var database = redis.GetDatabase();
        if (await database.KeyExistsAsync($"{FormerServiceId}/reminders").WaitAsync(cancel)) return true;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica) continue;
            await foreach (var _ in server.KeysAsync(database.Database, $"{FormerServiceId}/state/*", pageSize: 1000).WithCancellation(cancel))
                return true;
        }
        return false;
    }
}
