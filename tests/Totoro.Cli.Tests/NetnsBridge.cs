using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Totoro.Cli.Tests;

/// <summary>
/// N network namespaces, each with a veth into one bridge in the root namespace (which gets .1, so the test can
/// reach every namespace). Links get `tc netem` delay and loss when the kernel has netem. Everything is removed on
/// dispose.
/// </summary>
internal sealed class NetnsBridge : IDisposable
{
    private static int _made;
    private readonly string _prefix;
    private readonly int _subnet;
    private readonly List<string> _namespaces = [];
    private bool _bridge;

    /// <summary>Names and subnet unique per bridge (process id and a count), so no two bridges of one test run collide.</summary>
    public NetnsBridge()
    {
        int n = Interlocked.Increment(ref _made);
        _prefix = $"tt{Environment.ProcessId % 10000}{n % 100}";
        _subnet = 20 + ((Environment.ProcessId + (37 * n)) % 200);
    }

    public IReadOnlyList<string> Namespaces => _namespaces;

    public IPAddress AddressOf(int i) => IPAddress.Parse($"10.231.{_subnet}.{i + 2}");

    /// <summary>Why this machine cannot run namespaces, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!Environment.IsPrivilegedProcess)
            return "not root: creating network namespaces needs root";
        (int code, string error) = Run("ip", "netns", "list");
        return code == 0 ? null : $"`ip netns` is unavailable: {error.Trim()}";
    }

    /// <summary>Creates the namespaces and the bridge; returns whether netem could be put on every link.</summary>
    public bool Create(int count, int delayMs, double lossPercent)
    {
        string bridge = $"{_prefix}br";
        Must("ip", "link", "add", bridge, "type", "bridge");
        _bridge = true;
        Must("ip", "addr", "add", $"10.231.{_subnet}.1/24", "dev", bridge);
        Must("ip", "link", "set", bridge, "up");
        bool netem = true;
        for (int i = 0; i < count; i++)
        {
            string ns = $"{_prefix}n{i}", veth = $"{_prefix}v{i}", peer = $"{_prefix}p{i}";
            Must("ip", "netns", "add", ns);
            _namespaces.Add(ns);
            Must("ip", "-n", ns, "link", "set", "lo", "up");
            Must("ip", "link", "add", veth, "type", "veth", "peer", "name", peer);
            Must("ip", "link", "set", peer, "netns", ns);
            Must("ip", "link", "set", veth, "master", bridge);
            Must("ip", "link", "set", veth, "up");
            Must("ip", "-n", ns, "addr", "add", $"{AddressOf(i)}/24", "dev", peer);
            Must("ip", "-n", ns, "link", "set", peer, "up");
            if (netem)
            {
                netem = Run("tc", "-n", ns, "qdisc", "add", "dev", peer, "root", "netem", "delay", $"{delayMs}ms",
                    "loss", lossPercent.ToString(CultureInfo.InvariantCulture) + "%").Code == 0;
            }
        }

        return netem;
    }

    public void Dispose()
    {
        foreach (string ns in _namespaces)
            Run("ip", "netns", "del", ns); // takes its end of the veth, and so the pair, with it
        if (_bridge)
            Run("ip", "link", "del", $"{_prefix}br");
    }

    private static void Must(params string[] args)
    {
        (int code, string error) = Run(args);
        if (code != 0)
            throw new InvalidOperationException($"`{string.Join(' ', args)}` failed: {error.Trim()}");
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
