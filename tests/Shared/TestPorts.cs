using System.Net;
using System.Net.Sockets;

namespace Totoro.Testing;

/// <summary>
/// Loopback ports for sockets a test binds later, often in a process it starts. A port the kernel picked for port 0
/// and the test released can go to any other socket bound to port 0 before the test's own binds it: Linux draws those
/// from 32768–60999, so two such picks meet about once in 28,000, and a CI run makes hundreds. These come from below
/// that range, where port 0 never lands, each handed out once per test process (a process's block starts at its id)
/// and checked free when handed out.
/// </summary>
internal static class TestPorts
{
    private const int First = 20_000;
    private const int Count = 12_000;
    private static int _next = Environment.ProcessId % 600 * 20;

    public static int Udp() => Next(port =>
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
    });

    public static int Tcp() => Next(port =>
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    });

    private static int Next(Action<int> bind)
    {
        for (int tried = 0; tried < Count; tried++)
        {
            int port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            try
            {
                bind(port);
                return port;
            }
            catch (SocketException)
            {
                // taken by another process: the next one
            }
        }

        throw new InvalidOperationException($"no free loopback port from {First} to {First + Count - 1}");
    }
}
