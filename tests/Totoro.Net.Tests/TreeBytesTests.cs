using Totoro.Core.Forest;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Transport;

namespace Totoro.Net.Tests;

/// <summary>
/// A host counts the trees' own bytes on its links (models down, updates up), apart from everything else it sends:
/// what the namespace planning test reads to see flows leave an impaired host.
/// </summary>
public class TreeBytesTests
{
    private static readonly NodeId App = new(42);

    [Fact]
    public void Models_and_updates_are_tree_data_and_acks_probes_and_heartbeats_are_not()
    {
        Assert.True(NodeHost.IsTreeData(TreeMessages.Broadcast(App, 3, Payload.SizeOnly(1000), 1, 0)));
        Assert.True(NodeHost.IsTreeData(TreeMessages.BroadcastChunk(App, 3, Payload.SizeOnly(1000), 1, 0)));
        Assert.True(NodeHost.IsTreeData(TreeMessages.Aggregate(App, 3, Payload.SizeOnly(1000), 1)));
        Assert.True(NodeHost.IsTreeData(PlanMessages.Planned(TreeMessages.Aggregate(App, 3, Payload.SizeOnly(1000), 1))));
        Assert.False(NodeHost.IsTreeData(TreeMessages.Heartbeat(App, 3, detached: false, parents: null)));
        Assert.False(NodeHost.IsTreeData(PlanMessages.ProbeRequest(App, 7)));
        Assert.False(NodeHost.IsTreeData(PlanMessages.TransferAck(App, 3, FlowDirection.Up, default)));
    }

    [Fact]
    public void A_host_counts_the_tree_bytes_its_socket_sends_and_receives_and_only_those()
    {
        using var cluster = new HostCluster();
        NodeHost a = cluster.Add(1);
        NodeHost b = cluster.Add(1);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        NodeId to = b.Node(0).Overlay.Id;
        Message model = TreeMessages.Broadcast(App, 1, Payload.FromVector(new float[5000]), 1, 0);
        Message heartbeat = TreeMessages.Heartbeat(App, 1, detached: false, parents: null);
        long frame = Frame.Node(to, a.Node(0).Overlay.Id, model, a.Directory).Length;
        long before = b.TreeBytesIn, sentBefore = a.TreeBytesOut; // no app: nothing else moves tree data

        a.Post(() =>
        {
            PeerHandle peer = a.Directory.Add(to, b.Endpoint);
            a.Send(0, peer, model);
            a.Send(0, peer, heartbeat);
            a.Send(0, peer, model);
        });
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (b.TreeBytesIn < before + (2 * frame) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);

        Assert.Equal(sentBefore + (2 * frame), a.TreeBytesOut);
        Assert.Equal(before + (2 * frame), b.TreeBytesIn);
        Assert.True(a.MessagesOut > 3, "the host sent overlay traffic too, which is not counted");
        using var client = new ControlClient();
        HostInfo info = client.Ask(a.Endpoint, new ControlRequest(0, "info"), TimeSpan.FromSeconds(5))!.Info!;
        Assert.Equal(a.TreeBytesOut, info.TreeBytesOut);
    }
}
