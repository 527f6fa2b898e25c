using System.Net;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;

namespace Totoro.Net.Tests;

/// <summary>Several real hosts in this process on loopback (each its own socket and event loop thread).</summary>
internal sealed class HostCluster : IDisposable
{
    public static readonly PastryOptions FastPastry = new() { LeafSetPingPeriodMicros = 1_000_000, LeaseMicros = 1_500_000, ProbeTimeoutMicros = 500_000, JoinTimeoutMicros = 1_500_000, ConfirmLeafSetOnJoin = true };

    public List<NodeHost> Hosts { get; } = [];

    public NodeHost Add(int logicalNodes, Func<HostOptions, HostOptions>? adjust = null, TextWriter? log = null)
    {
        var options = new HostOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Bootstrap = Hosts.Count > 0 ? Hosts[0].Endpoint : null,
            LogicalNodes = logicalNodes,
            Pastry = FastPastry,
        };
        var host = new NodeHost(adjust?.Invoke(options) ?? options, new HostLog(LogLevel.Warn, log));
        host.Start();
        Hosts.Add(host);
        return host;
    }

    public void WaitUntilJoined(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (Hosts.Any(h => h.JoinedCount < h.NodeCount))
        {
            Assert.True(DateTime.UtcNow < deadline, "hosts did not join in time");
            Thread.Sleep(50);
        }
    }

    /// <summary>Every node's id, from each host's `info` answer.</summary>
    public List<NodeId> Ids(ControlClient client)
    {
        var ids = new List<NodeId>();
        foreach (NodeHost host in Hosts)
        {
            ControlResponse response = client.Ask(host.Endpoint, new ControlRequest(0, "info"), TimeSpan.FromSeconds(5))!;
            ids.AddRange(response.Info!.NodeIds.Select(Parse));
        }

        return ids;
    }

    public static NodeId Parse(string hex) => new(UInt128.Parse(hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The brute-force oracle: the node numerically closest to the key.</summary>
    public static NodeId Closest(IEnumerable<NodeId> ids, NodeId key) => ids.Aggregate((a, b) => key.IsCloser(a, b) ? a : b);

    public void Dispose()
    {
        foreach (NodeHost host in Hosts)
            host.RequestStop();
        foreach (NodeHost host in Hosts)
            host.Dispose();
    }
}
