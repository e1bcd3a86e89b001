using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using DistGen.Grains.Security;
using DistGen.Grains.Security.Tls;
using Orleans.Configuration;
using StackExchange.Redis;

namespace DistGen.Client.Connection;

/// <summary>
/// An Orleans client connected to a DistGen cluster. <see cref="ConnectAsync"/> gives up after the settings'
/// connect timeout with a <see cref="ClusterUnreachableException"/> that says what to do.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host, ClusterConnectionSettings settings)
    {
        _host = host;
        Settings = settings;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The connected client; also the cluster's <see cref="IGrainFactory"/>.</summary>
    public IClusterClient Client { get; }

    /// <summary>The grain factory of the cluster.</summary>
    public IGrainFactory GrainFactory => Client;

    /// <summary>How this connection was made (the secret included, for the data plane).</summary>
    public ClusterConnectionSettings Settings { get; }

    /// <summary>Connects, retrying until the connect timeout; throws <see cref="ClusterUnreachableException"/> when that runs out.</summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterConnectionSettings settings, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.ConnectTimeout);
        IHost? host = null;
        var attempts = new ConnectAttempts();
        try
        {
            host = await BuildHostAsync(settings, attempts, deadline.Token);
            // Orleans honours the token between attempts; WaitAsync bounds an attempt that does not.
            await host.StartAsync(deadline.Token).WaitAsync(settings.ConnectTimeout + TimeSpan.FromSeconds(2), cancellationToken);
            return new ClusterConnection(host, settings);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsUnreachable(e))
        {
            if (host is not null) await StopQuietlyAsync(host);
            throw new ClusterUnreachableException(string.Create(CultureInfo.InvariantCulture,
                $"cannot reach the cluster '{settings.ClusterId}' through {settings.Target} within {settings.ConnectTimeout.TotalSeconds:0.#} s ({Reason(e, attempts, settings)}): {ClusterUnreachableException.Advice}."), e);
        }
        catch
        {
            if (host is not null) await StopQuietlyAsync(host);
            throw;
        }
    }

    /// <summary>Whether an exception means the cluster is not there (as opposed to a bug or bad input).</summary>
    public static bool IsUnreachable(Exception e) => e is OperationCanceledException or TimeoutException or SocketException
        or RedisConnectionException or RedisTimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException
        or OrleansMessageRejectionException or GatewayTooBusyException
        || (e is OrleansException && e.Message.Contains("gateway", StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync() => await StopQuietlyAsync(_host);

    private static async Task<IHost> BuildHostAsync(ClusterConnectionSettings settings, ConnectAttempts attempts, CancellationToken cancellationToken)
    {
        // No appsettings.json or environment configuration: the console's settings are its flags.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        // Failed connection attempts are reported once, by the exception; only errors after that are logged.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Messaging", LogLevel.None);
        builder.Logging.AddFilter("Orleans.Runtime.Messaging", LogLevel.None);
        builder.Logging.AddFilter("Orleans.OutsideRuntimeClient", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        var gateway = settings.Redis is null ? await HostAndPort.Parse(settings.Gateway, "--gateway", 30000).ResolveAsync(cancellationToken) : null;
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster => (cluster.ClusterId, cluster.ServiceId) = (settings.ClusterId, settings.ServiceId));
            if (settings.Redis is { } redis)
                client.UseRedisClustering(options => options.ConfigurationOptions = RedisOptions(redis, settings.ConnectTimeout));
            else
                client.UseStaticClustering(gateway!);
            if (settings.Certificates is { } certificates)
            {
                client.UseClusterTls(certificates, problem => attempts.RefusedCertificate = problem);
                // Each call is signed, so the silos know whether an operator or a viewer makes it.
                client.Services.AddSingleton<IOutgoingGrainCallFilter>(new CallerProofStamp(certificates.Own));
            }
            // Keep trying while the deadline allows: a silo that is still starting is reached, a missing one times out.
            client.UseConnectionRetryFilter(async (failure, token) =>
            {
                attempts.Record(failure);
                await Task.Delay(TimeSpan.FromMilliseconds(500), token);
                return !token.IsCancellationRequested;
            });
        });
        return builder.Build();
    }

    private static ConfigurationOptions RedisOptions(string connection, TimeSpan timeout)
    {
        var options = ConfigurationOptions.Parse(connection);
        options.ConnectTimeout = (int)Math.Min(timeout.TotalMilliseconds, int.MaxValue);
        options.AbortOnConnectFail = true;
        return options;
    }

    private static string Reason(Exception e, ConnectAttempts attempts, ClusterConnectionSettings settings)
    {
        var reason = e switch
        {
            OperationCanceledException or TimeoutException => "timed out",
            RedisConnectionException => "Redis refused or did not answer",
            _ => FirstLine(e),
        };
        // A TLS refusal looks like a silo that is not there unless it is named.
        if (attempts.RefusedCertificate is { } refused)
            return $"{reason}; this client refused the gateway's certificate {refused}: check --ca";
        if (attempts.LastFailure is not { } last) return reason;
        var hint = settings.Certificates is null
            ? attempts.ClosedByGateway || !attempts.NoGatewayAnswered ? "; if the cluster runs TLS, give --cert, --key and --ca" : ""
            : attempts.ClosedByGateway ? "; the gateway closed the TLS handshake: is --cert issued by the cluster's CA?" : "";
        return $"{reason}; last attempt: {FirstLine(last)}{hint}";
    }

    // What the connection attempts met, for the message when they run out.
    private sealed class ConnectAttempts
    {
        public Exception? LastFailure { get; private set; }

        public string? RefusedCertificate { get; set; }

        /// <summary>
        /// Whether some attempt connected and was then closed by the gateway: what a TLS gateway does to a plaintext
        /// client or a foreign certificate. Nobody listening is a refused connection instead, and gets no TLS hint.
        /// </summary>
        public bool ClosedByGateway { get; private set; }

        /// <summary>Whether every attempt failed before a gateway answered (nobody listening, Redis down): then TLS is not the problem.</summary>
        public bool NoGatewayAnswered { get; private set; } = true;

        public void Record(Exception failure)
        {
            LastFailure = failure;
            var causes = Causes(failure).ToList();
            ClosedByGateway |= causes.Any(e => e is Microsoft.AspNetCore.Connections.ConnectionAbortedException);
            // Orleans answers an attempt on a gateway it recently failed with "will retry after ...": that says nothing new.
            bool throttled = causes.Where(e => e.InnerException is null && e is not AggregateException)
                .All(e => e.Message.Contains("will retry after", StringComparison.Ordinal));
            if (!throttled)
                NoGatewayAnswered &= causes.Any(e => e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                    or RedisConnectionException or RedisTimeoutException
                    || e.Message.Contains("ConnectionRefused", StringComparison.Ordinal));
        }

        // The failure and everything inside it: one attempt may try several gateways, each failing its own way.
        private static IEnumerable<Exception> Causes(Exception failure)
        {
            yield return failure;
            IEnumerable<Exception> inner = failure is AggregateException all ? all.InnerExceptions
                : failure.InnerException is { } one ? [one] : [];
            foreach (var cause in inner.SelectMany(Causes)) yield return cause;
        }
    }

    private static string FirstLine(Exception e) => e.GetBaseException().Message.Split('\n')[0].Trim();

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token);
        }
        catch (Exception e) when (IsUnreachable(e) || e is ObjectDisposedException or InvalidOperationException)
        {
            // A client that never connected has nothing to say goodbye to.
        }
        finally
        {
            host.Dispose();
        }
    }
}
