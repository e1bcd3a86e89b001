using Microsoft.AspNetCore.Connections;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Caps the connections open at once on the data-plane endpoint (DataPlane:MaxConnections). A connection beyond the cap
/// is closed at once, before its first byte is read, so nobody can make the silo hold buffers for thousands of idle
/// connections; Kestrel's own limit would apply to the silo's HTTP port as well.
/// </summary>
internal sealed class DataPlaneConnectionLimit(int maxConnections)
{
    private int _open;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    public ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref _open) > maxConnections)
        {
            Interlocked.Decrement(ref _open);
            connection.Abort(new ConnectionAbortedException($"the data plane already has DataPlane:MaxConnections = {maxConnections} connections open"));
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };
}
