using System.Net;
using System.Net.Sockets;

namespace Crm.Testing;

/// <summary>Ports the OS reports free on loopback right now.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>A port in [from, to) that is free on loopback and not handed out before.</summary>
    public static int InRange(int from, int to)
    {
        lock (Gate)
        {
            for (var i = 0; i < 200; i++)
            {
                var port = Random.Shared.Next(from, to);
                if (!Handed.Contains(port) && IsFree(port))
                {
                    Handed.Add(port);
                    return port;
                }
            }

            throw new InvalidOperationException($"No free port in [{from}, {to}).");
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
