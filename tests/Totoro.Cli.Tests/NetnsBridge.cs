using System.Net;
using Totoro.Cli.Soak;

namespace Totoro.Cli.Tests;

/// <summary>The tests' namespaces on a bridge: the soak's own <see cref="SoakNetwork"/>, with the shape the tests use.</summary>
internal sealed class NetnsBridge : IDisposable
{
    private readonly SoakNetwork _network = new();

    public IReadOnlyList<string> Namespaces => _network.Namespaces;

    public IPAddress AddressOf(int i) => _network.AddressOf(i);

    /// <summary>How creating the bridge raised the kernel's neighbour table (or why it could not), or null if it fitted.</summary>
    public string? NeighbourChange => _network.NeighbourChange;

    /// <summary>Why this machine cannot run namespaces, or null when it can.</summary>
    public static string? Unavailable() => SoakNetwork.Unavailable();

    /// <summary>Creates the namespaces and the bridge; returns whether netem shapes every link.</summary>
    public bool Create(int count, int delayMs, double lossPercent)
    {
        _network.Create(count, delayMs, lossPercent);
        return _network.Netem;
    }

    /// <summary>Limits one host's uplink and downlink to this rate (tc tbf).</summary>
    public void RateLimit(int host, int kbitPerSecond) => _network.RateLimit(host, kbitPerSecond);

    public void Dispose() => _network.Dispose();
}
