using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Totoro.Testing;

/// <summary>
/// Loopback ports for sockets a test binds later, often in a process it starts. A port the kernel picked for port 0
/// and the test released can go to any other socket bound to port 0 before the test's own binds it: Linux draws those
/// from its ephemeral range (32768–60999 by default), so two such picks meet about once in 28,000, and a CI run makes
/// hundreds. These come from below that range, where port 0 never lands. Each is claimed with a lock file held until
/// the process exits (the kernel drops the lock then), so test processes running at once (`dotnet test` runs the test
/// projects in parallel) never hand out the same one, and each is checked free when handed out.
/// </summary>
internal static class TestPorts
{
    private static readonly int Last = EphemeralLow() - 1;
    private static readonly int First = Math.Max(1024, Last - 12_000);
    private static readonly List<FileStream> Claims = [];
    private static int _next = Environment.ProcessId;

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
        int count = Last - First + 1;
        for (int tried = 0; tried < count; tried++)
        {
            int port = First + (int)((uint)Interlocked.Increment(ref _next) % count);
            if (!Claim(port))
                continue; // another test process has it
            try
            {
                bind(port);
                return port;
            }
            catch (SocketException)
            {
                // taken by a process that is not a test: the next one
            }
        }

        throw new InvalidOperationException($"no free loopback port from {First} to {Last}");
    }

    private static bool Claim(int port)
    {
        string dir = Path.Combine(Path.GetTempPath(), "totoro-test-ports");
        Directory.CreateDirectory(dir);
        try
        {
            var claim = new FileStream(Path.Combine(dir, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            lock (Claims)
                Claims.Add(claim);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range).</summary>
    private static int EphemeralLow()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        string[] bounds = File.Exists(range) ? File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
        return bounds.Length > 0 && int.TryParse(bounds[0], CultureInfo.InvariantCulture, out int low) && low > 2048 ? low : 32768;
    }
}
