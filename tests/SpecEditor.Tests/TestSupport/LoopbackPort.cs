using System.Net;
using System.Net.Sockets;

namespace SpecEditor.Tests.TestSupport;

/// <summary>Ports for servers the tests start; they listen on 127.0.0.1 only.</summary>
public static class LoopbackPort
{
    /// <summary>A port on 127.0.0.1 that is free now (the system picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
