using System.Diagnostics;
using System.Net;
using Totoro.Net.Hosting;
using Totoro.Net.Transport;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>Reliable (LiteNetLib) connections from senders that never authenticated: an open host keeps a peer for each, a certified one none.</summary>
public class ConnectionGateTests(ITestOutputHelper output)
{
    private const int Senders = 60;

    [Fact]
    public void A_certified_host_keeps_no_connection_for_a_sender_that_never_authenticated_and_answers_it_nothing()
    {
        using var ca = new TestAuthority();
        using var openCluster = new HostCluster();
        using var certifiedCluster = new HostCluster();
        NodeHost open = openCluster.Add(1);
        NodeHost certified = certifiedCluster.Add(1, o => o with { Credentials = ca.Issue("h0", 1) });
        (int openConnections, long openHeap) = Flood(open);
        long answeredBefore = certified.Counters.DatagramsOut;
        (int certifiedConnections, long certifiedHeap) = Flood(certified);
        long answered = certified.Counters.DatagramsOut - answeredBefore;
        output.WriteLine($"{Senders} unauthenticated senders asking for a reliable connection: open host kept {openConnections} connection(s), heap +{openHeap / 1e6:F2} MB; "
            + $"certified host kept {certifiedConnections}, heap +{certifiedHeap / 1e6:F2} MB, refused {certified.Counters.ConnectionsRefused} request(s), sent {answered} datagram(s) meanwhile");
        Assert.True(openConnections >= Senders / 2, $"the open host should accept them (the oracle that the flood works): {openConnections}");
        Assert.Equal(0, certifiedConnections);
        Assert.True(certified.Counters.ConnectionsRefused >= Senders, $"refused {certified.Counters.ConnectionsRefused}");
        Assert.Equal(0, answered); // a lone host has nobody else to talk to: any datagram would be an answer to the flood
    }

    /// <summary>Senders each send one large frame (which goes reliable, so opens a connection); returns the connections the host keeps and its heap growth.</summary>
    private static (int Connections, long HeapGrowth) Flood(NodeHost host)
    {
        long before = Heap();
        var senders = new List<UdpTransport>();
        for (int i = 0; i < Senders; i++)
        {
            var sender = new UdpTransport();
            sender.Start(new IPEndPoint(IPAddress.Loopback, 0));
            byte[] frame = new byte[4000];
            frame[0] = Frame.Magic;
            frame[1] = (byte)FrameKind.Node;
            sender.Send(host.Endpoint, frame);
            senders.Add(sender);
        }

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
            Thread.Sleep(100);
        int connections = LoopHelper.OnLoop(host, () => host.ReliableConnections);
        long growth = Heap() - before;
        foreach (UdpTransport sender in senders)
            sender.Dispose();
        return (connections, growth);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
