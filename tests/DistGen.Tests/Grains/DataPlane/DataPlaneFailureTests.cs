using DistGen.Grains.DataPlane;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class DataPlaneFailureTests
{
    [Fact]
    public void A_data_plane_error_crosses_a_grain_call_with_its_status_and_detail()
    {
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var failure = DataPlaneFailure.From(new RpcException(new Status(StatusCode.Unavailable, "connection refused by 127.0.0.1:5005")));

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(failure));

        var carried = Assert.IsType<InvalidOperationException>(copy);
        Assert.Equal("data plane: Unavailable: connection refused by 127.0.0.1:5005", carried.Message);
    }
}
