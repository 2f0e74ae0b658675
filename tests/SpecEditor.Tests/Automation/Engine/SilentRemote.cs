using System.Net;
using System.Net.Sockets;

namespace SpecEditor.Tests.Automation.Engine;

/// <summary>
/// A git remote that stalls: it accepts connections on 127.0.0.1 and never answers, as a remote behind a broken proxy or
/// firewall does. libgit2 has no network timeout, so a clone or push from it blocks in its first read.
/// </summary>
public sealed class SilentRemote : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();

    public SilentRemote()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A repository URL on this remote.</summary>
    public string Url(string repository) => $"http://127.0.0.1:{Port}/{repository}.git";

    /// <summary>Closes every held connection, so what was blocked on one fails.</summary>
    public void Hangup()
    {
        lock (_gate)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }

            _held.Clear();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        Hangup();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync();
                lock (_gate)
                {
                    _held.Add(socket);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
