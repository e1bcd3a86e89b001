using DistGen.Grains.DataPlane;
using Grpc.Core;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class TensorExchangeTests : IAsyncLifetime
{
    private DataPlaneServer _coordinatorSilo = null!;
    private DataPlaneServer _workerSilo = null!;

    public async Task InitializeAsync()
    {
        _coordinatorSilo = await DataPlaneServer.StartAsync();
        _workerSilo = await DataPlaneServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _coordinatorSilo.DisposeAsync();
        await _workerSilo.DisposeAsync();
    }

    [Fact]
    public void Port_0_resolves_to_the_bound_port_once_started()
    {
        var endpoint = new Uri(_coordinatorSilo.Exchange.LocalEndpoint);

        Assert.Equal("127.0.0.1", endpoint.Host);
        Assert.NotEqual(0, endpoint.Port);
        Assert.NotEqual(_workerSilo.Exchange.LocalEndpoint, _coordinatorSilo.Exchange.LocalEndpoint);
    }

    [Fact]
    public async Task Local_endpoint_hands_tensors_over_in_memory_without_a_grpc_call()
    {
        var exchange = _coordinatorSilo.Exchange;
        var gradients = Tensors.Random(1000, seed: 1);
        var parameters = Tensors.Random(500, seed: 2);
        exchange.PutLocal(TensorKey.ParametersOf("job-1", 7), parameters);

        await exchange.PushAsync(exchange.LocalEndpoint, Tensors.Gradients(7), gradients);
        var pulled = await exchange.PullAsync(exchange.LocalEndpoint, TensorKey.ParametersOf("job-1", 7));

        Assert.Same(parameters, pulled);
        Assert.True(exchange.TryTakeLocal(Tensors.Gradients(7), out var taken));
        Assert.Same(gradients, taken);
        Assert.False(exchange.TryTakeLocal(Tensors.Gradients(7), out _));
        Assert.Empty(_coordinatorSilo.Calls);
    }

    [Fact]
    public async Task Pulling_an_absent_key_from_the_local_endpoint_is_not_found_like_a_remote_pull()
    {
        var exchange = _coordinatorSilo.Exchange;

        var refusal = await Assert.ThrowsAsync<RpcException>(() => exchange.PullAsync(exchange.LocalEndpoint, Tensors.Gradients(1)));

        Assert.Equal(StatusCode.NotFound, refusal.StatusCode);
    }

    [Fact]
    public async Task Concurrent_pulls_of_one_parameter_version_cause_one_transfer()
    {
        var key = TensorKey.ParametersOf("job-1", 12);
        var parameters = Tensors.Random(2_000_000, seed: 3);
        _coordinatorSilo.Exchange.PutLocal(key, parameters);

        var pulls = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => _workerSilo.Exchange.PullAsync(_coordinatorSilo.Endpoint, key)))
            .ToArray();
        var copies = await Task.WhenAll(pulls);
        var later = await _workerSilo.Exchange.PullAsync(_coordinatorSilo.Endpoint, key);

        Assert.Equal(1, _coordinatorSilo.Calls["Pull"]);
        Assert.All(copies, copy => Assert.Same(copies[0], copy));
        Assert.Same(copies[0], later);
        Assert.Equal(parameters.Data, copies[0].Data);
        Assert.True(_workerSilo.Store.Contains(key));
    }

    [Fact]
    public async Task A_worker_silo_keeps_the_pulled_parameter_version_and_the_one_before()
    {
        for (int version = 1; version <= 4; version++)
        {
            var key = TensorKey.ParametersOf("job-1", version);
            _coordinatorSilo.Exchange.PutLocal(key, Tensors.Random(10, seed: version));
            await _workerSilo.Exchange.PullAsync(_coordinatorSilo.Endpoint, key);
        }

        Assert.Equal(2, _workerSilo.Store.Count);
        Assert.True(_workerSilo.Store.Contains(TensorKey.ParametersOf("job-1", 3)));
        Assert.True(_workerSilo.Store.Contains(TensorKey.ParametersOf("job-1", 4)));
    }

    [Fact]
    public async Task Gradients_pushed_to_the_coordinator_silo_are_taken_once()
    {
        var gradients = Tensors.Random(1000, seed: 4);

        await _workerSilo.Exchange.PushAsync(_coordinatorSilo.Endpoint, Tensors.Gradients(5, "w1"), gradients);

        Assert.True(_coordinatorSilo.Exchange.TryTakeLocal(Tensors.Gradients(5, "w1"), out var taken));
        Assert.Equal(gradients.Data, taken!.Data);
        Assert.Equal(0, _coordinatorSilo.Store.StoredBytes);
    }
}
