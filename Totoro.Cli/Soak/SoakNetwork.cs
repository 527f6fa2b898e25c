using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Totoro.Cli.Soak;

/// <summary>
/// The soak's network: one namespace per host, each with a veth into a bridge in the root namespace (which takes .1,
/// so the soak reaches every host's control endpoint). Links get `tc netem` delay and loss when the kernel has it. A
/// host is cut off by taking its bridge-side veth down. Everything is removed on dispose, and names carry the soak's
/// process id so a crashed run's leftovers never collide with the next. The kernel's neighbour table, which all
/// namespaces share, is raised to fit the hosts' full mesh (<see cref="NeighbourTable"/>). The tests' namespaces use it too.
/// </summary>
internal sealed class SoakNetwork : IDisposable
{
    private static int _made;
    private readonly string _prefix;
    private readonly int _subnet;
    private readonly List<string> _namespaces = [];
    private bool _bridge;

    /// <summary>Names and subnet unique per network (process id and a count), so two in one process never collide.</summary>
    public SoakNetwork()
    {
        int n = Interlocked.Increment(ref _made);
        _prefix = $"sk{Environment.ProcessId % 10000}{n % 100}";
        _subnet = 100 + ((Environment.ProcessId + (37 * n)) % 100);
    }

    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>Whether netem shapes the links (false: the hosts must impair their own receive path).</summary>
    public bool Netem { get; private set; }

    /// <summary>How <see cref="Create"/> raised the kernel's neighbour table to fit the hosts' mesh (or why it could not), or null if it fitted.</summary>
    public string? NeighbourChange { get; private set; }

    public IPAddress AddressOf(int host) => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.232.{_subnet}.{host + 2}"));

    /// <summary>Why this machine cannot run the soak, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!Environment.IsPrivilegedProcess)
            return "not root: the soak creates network namespaces, which needs root";
        (int code, string error) = Run("ip", "netns", "list");
        return code == 0 ? null : $"`ip netns` is unavailable: {error.Trim()}";
    }

    public void Create(int hosts, int delayMs, double lossPercent)
    {
        if (hosts > 250)
            throw new ArgumentOutOfRangeException(nameof(hosts), "one /24 holds at most 250 hosts");
        NeighbourChange = NeighbourTable.Fit(hosts);
        string bridge = $"{_prefix}br";
        Must("ip", "link", "add", bridge, "type", "bridge");
        _bridge = true;
        Must("ip", "addr", "add", $"10.232.{_subnet}.1/24", "dev", bridge);
        Must("ip", "link", "set", bridge, "up");
        Netem = delayMs > 0 || lossPercent > 0;
        for (int i = 0; i < hosts; i++)
        {
            string ns = $"{_prefix}n{i}", peer = $"{_prefix}p{i}";
            Must("ip", "netns", "add", ns);
            _namespaces.Add(ns);
            Must("ip", "-n", ns, "link", "set", "lo", "up");
            Must("ip", "link", "add", Veth(i), "type", "veth", "peer", "name", peer);
            Must("ip", "link", "set", peer, "netns", ns);
            Must("ip", "link", "set", Veth(i), "master", bridge);
            Must("ip", "link", "set", Veth(i), "up");
            Must("ip", "-n", ns, "addr", "add", $"{AddressOf(i)}/24", "dev", peer);
            Must("ip", "-n", ns, "link", "set", peer, "up");
            if (Netem)
            {
                Netem = Run("tc", "-n", ns, "qdisc", "add", "dev", peer, "root", "netem", "delay", $"{delayMs}ms",
                    "loss", lossPercent.ToString(CultureInfo.InvariantCulture) + "%").Code == 0;
            }
        }
    }

    /// <summary>
    /// Limits the host's uplink and downlink each to <paramref name="kbitPerSecond"/> (`tc tbf` on both ends of its
    /// veth; tbf, unlike netem, is in every kernel). The queue holds up to a second's bytes, so a burst waits
    /// rather than being dropped: the link is slow, not lossy.
    /// </summary>
    public void RateLimit(int host, int kbitPerSecond)
    {
        string rate = string.Create(CultureInfo.InvariantCulture, $"{kbitPerSecond}kbit");
        Must("tc", "-n", _namespaces[host], "qdisc", "add", "dev", $"{_prefix}p{host}", "root", "tbf", "rate", rate, "burst", "32kb", "latency", "1000ms");
        Must("tc", "qdisc", "add", "dev", Veth(host), "root", "tbf", "rate", rate, "burst", "32kb", "latency", "1000ms");
    }

    /// <summary>Cuts the host off the bridge (its packets go nowhere, in either direction) or puts it back.</summary>
    public void SetConnected(int host, bool connected) => Must("ip", "link", "set", Veth(host), connected ? "up" : "down");

    public void Dispose()
    {
        foreach (string ns in _namespaces)
            Run("ip", "netns", "del", ns); // takes its end of the veth, and so the pair, with it
        _namespaces.Clear();
        if (_bridge)
            Run("ip", "link", "del", $"{_prefix}br");
        _bridge = false;
    }

    private string Veth(int host) => $"{_prefix}v{host}";

    private static void Must(params string[] args)
    {
        (int code, string error) = Run(args);
        if (code != 0)
            throw new IOException($"`{string.Join(' ', args)}` failed: {error.Trim()}");
    }

    private static (int Code, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo(args[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in args.Skip(1))
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
