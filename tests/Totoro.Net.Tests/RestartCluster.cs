using System.Diagnostics;
using System.Net;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Net.Hosting;

namespace Totoro.Net.Tests;

/// <summary>
/// Real hosts on loopback as the chaos soak runs them (each with its --data-dir, so a restart keeps its node ids, and
/// receive-path loss and delay), with a kill -9 and a restart on the same port, and a view of who knows whom: each
/// node's leaf set, read on its host's loop.
/// </summary>
internal sealed class RestartCluster : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"totoro-restart-{Guid.NewGuid():N}");
    private readonly int _nodesPerHost;
    private readonly PastryOptions _pastry;
    private readonly double _loss;
    private readonly int _delayMs;

    public RestartCluster(int hosts, int nodesPerHost, PastryOptions pastry, double loss, int delayMs)
    {
        _nodesPerHost = nodesPerHost;
        _pastry = pastry;
        _loss = loss;
        _delayMs = delayMs;
        Hosts = new NodeHost?[hosts];
        // Ports from below the ephemeral range: a killed host restarts on its port seconds later, and a port the kernel
        // gave for port 0 could go to another test's port-0 socket in between.
        for (int i = 0; i < hosts; i++)
            Hosts[i] = Start(i, new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), i == 0 ? null : Hosts[0]!.Endpoint);
    }

    /// <summary>The hosts by index; null while one is down.</summary>
    public NodeHost?[] Hosts { get; }

    /// <summary>What `totoro node` sets for real mode at this ping period (its default b and leaf set).</summary>
    public static PastryOptions RealModePastry(int pingMs) => new PastryOptions { B = 4, LeafSetSize = 24 }.ForRealMode(pingMs * 1000L);

    public void WaitUntilJoined(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Hosts.Any(h => h is not null && h.JoinedCount < h.NodeCount))
        {
            Assert.True(clock.Elapsed < timeout, "hosts did not join in time");
            Thread.Sleep(50);
        }
    }

    /// <summary>Kills host <paramref name="index"/> the way kill -9 does (no leave, no disconnect).</summary>
    public IPEndPoint Kill(int index)
    {
        NodeHost host = Hosts[index]!;
        IPEndPoint endpoint = host.Endpoint;
        host.Kill();
        host.Dispose();
        Hosts[index] = null;
        return endpoint;
    }

    /// <summary>Starts host <paramref name="index"/> again on <paramref name="endpoint"/> with its data directory, joining through host <paramref name="via"/>.</summary>
    public NodeHost Restart(int index, IPEndPoint endpoint, int via) => Hosts[index] = Start(index, endpoint, Hosts[via]!.Endpoint);

    /// <summary>Every live node's id, by host.</summary>
    public Dictionary<NodeId, int> LiveIds()
    {
        var ids = new Dictionary<NodeId, int>();
        for (int h = 0; h < Hosts.Length; h++)
        {
            if (Hosts[h] is not { } host)
                continue;
            foreach (NodeId id in LoopHelper.OnLoop(host, () => Enumerable.Range(0, host.NodeCount).Select(i => host.Node(i).Overlay.Id).ToArray()))
                ids[id] = h;
        }

        return ids;
    }

    /// <summary>Each joined node's leaf set (both sides), as ids.</summary>
    public Dictionary<NodeId, HashSet<NodeId>> LeafSets()
    {
        var sets = new Dictionary<NodeId, HashSet<NodeId>>();
        foreach (NodeHost? host in Hosts)
        {
            if (host is null)
                continue;
            LoopHelper.OnLoop(host, () =>
            {
                for (int i = 0; i < host.NodeCount; i++)
                {
                    if (!host.IsJoined(i))
                        continue;
                    PastryNode overlay = host.Node(i).Overlay;
                    sets[overlay.Id] = [.. overlay.RightLeaves().Concat(overlay.LeftLeaves()).Select(p => host.Directory.IdOf(p))];
                }
            });
        }

        return sets;
    }

    public void Dispose()
    {
        foreach (NodeHost? host in Hosts)
            host?.RequestStop();
        foreach (NodeHost? host in Hosts)
            host?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private NodeHost Start(int index, IPEndPoint listen, IPEndPoint? bootstrap)
    {
        var options = new HostOptions
        {
            Listen = listen,
            Bootstrap = bootstrap,
            LogicalNodes = _nodesPerHost,
            DataDir = Path.Combine(_root, $"h{index}"),
            Pastry = _pastry,
            ImpairLoss = _loss,
            ImpairDelayMs = _delayMs,
        };
        var host = new NodeHost(options, new HostLog(LogLevel.Error));
        host.Start();
        return host;
    }
}
