using DistGen.Grains.DataPlane;
using Grpc.Core;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class TensorExchangeClientTests : IAsyncLifetime
{
    private DataPlaneServer _server = null!;

    public async Task InitializeAsync() => _server = await DataPlaneServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_transient_failure_is_retried_until_the_push_goes_through()
    {
        using var client = _server.Client(settings: ("MaxRetryAttempts", "3"));
        _server.FailNext(2, StatusCode.Unavailable);

        Assert.True(await client.PushAsync(_server.Endpoint, Tensors.Gradients(1), Tensors.Random(1000, seed: 1)));

        Assert.Equal(3, _server.Calls["Push"]);
        Assert.True(_server.Store.Contains(Tensors.Gradients(1)));
    }

    [Fact]
    public async Task A_refusal_is_an_answer_and_is_not_retried()
    {
        using var client = _server.Client(secret: "guess", settings: ("MaxRetryAttempts", "3"));

        await Assert.ThrowsAsync<RpcException>(() => client.PushAsync(_server.Endpoint, Tensors.Gradients(1), Tensors.Random(10, seed: 2)));

        Assert.Equal(1, _server.Calls["Push"]);
    }

    [Fact]
    public async Task The_circuit_to_an_endpoint_opens_after_repeated_transient_failures()
    {
        using var client = _server.Client(settings: [("MaxRetryAttempts", "0"), ("BreakerMinimumThroughput", "2"), ("BreakDuration", "00:00:30")]);
        _server.FailNext(100, StatusCode.Unavailable);
        for (int i = 0; i < 2; i++)
            await Assert.ThrowsAsync<RpcException>(() => client.PullAsync(_server.Endpoint, Tensors.Gradients(i)));

        var open = await Assert.ThrowsAsync<RpcException>(() => client.PullAsync(_server.Endpoint, Tensors.Gradients(3)));

        Assert.Equal(StatusCode.Unavailable, open.StatusCode);
        Assert.Contains($"data-plane circuit to {_server.Endpoint} is open", open.Status.Detail);
        Assert.Equal(2, _server.Calls["Pull"]);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_reported_unavailable()
    {
        using var client = _server.Client(settings: ("MaxRetryAttempts", "1"));

        var failure = await Assert.ThrowsAsync<RpcException>(() => client.PullAsync("http://127.0.0.1:1", Tensors.Gradients(1)));

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
    }

    [Fact]
    public async Task A_call_that_hangs_times_out_naming_the_setting()
    {
        // A listener that accepts connections and never answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var accepting = silent.AcceptSocketAsync();
        using var client = _server.Client(settings: [("CallTimeout", "00:00:00.2"), ("MaxRetryAttempts", "1")]);
        var endpoint = $"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}";

        var failure = await Assert.ThrowsAsync<RpcException>(() => client.PullAsync(endpoint, Tensors.Gradients(1)));

        Assert.Equal(StatusCode.DeadlineExceeded, failure.StatusCode);
        Assert.Contains("DataPlane:CallTimeout (00:00:00.2000000)", failure.Status.Detail);
        (await accepting).Dispose();
    }
}
