using System.Net;
using System.Net.Sockets;

namespace DistGen.Cluster.Tests;

/// <summary>Free TCP ports on 127.0.0.1, never the same one twice in a test run.</summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                var port = ((IPEndPoint)probe.LocalEndpoint).Port;
                if (Given.Add(port)) return port;
            }
        }
    }
}
