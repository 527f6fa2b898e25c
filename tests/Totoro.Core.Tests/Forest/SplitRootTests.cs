using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// Two roots of one app: a node back from a restart has not yet heard from the side of the ring where the app's real
/// root is, so workers' JOINs make it a root that holds nothing. Before it starts the app afresh (a second master,
/// without the model) it asks its leaf set for the app's state. A leaf-set peer that knows a node closer to the app
/// names it, so the false root's overlay learns it and the false root steps down and joins the real root's tree;
/// and the ask survives one lost message.
/// </summary>
public class SplitRootTests
{
    private readonly FakeNetwork _network = new(seed: 11);
    private readonly NodeId _appId = NodeId.FromRandom(0x5117_0000_0000_0000, 77);

    [Fact]
    public void A_leaf_set_peer_names_a_closer_node_and_the_root_holding_nothing_steps_down_to_join_it()
    {
        PeerHandle closer = _network.Add(new NodeId(_appId.Value + 1)); // the real root's node, unknown to the asker
        (ForestNode asker, FakeNodeContext askerContext, PeerHandle askerHandle, PeerHandle[] others) = FalseRoot();
        (ForestNode peer, FakeNodeContext peerContext) = Node(others[0], knows: [closer, askerHandle, .. others[1..]]);

        Assert.True(asker.IsPullingState(_appId));
        Message pull = askerContext.Drain().Single(s => s.To == others[0] && s.Message.Kind == TreeKind.ReplicaPull).Message;
        peer.Receive(askerHandle, pull);

        FakeNodeContext.Sent hint = Assert.Single(peerContext.Drain(), s => s.To == askerHandle);
        Assert.Equal(1, peer.CloserNodesIntroduced);
        asker.Receive(others[0], hint.Message);
        // The asker's overlay probes the named node before it admits it to its leaf set, and admits it when it answers.
        Assert.Contains(askerContext.Drain(), s => s.To == closer && s.Message.Kind == MessageKind.LeafSetPing);
        asker.Receive(closer, new Message { Kind = MessageKind.LeafSetPong });
        Assert.Equal(closer, asker.Overlay.NextHop(_appId));

        // About to start the app afresh, it checks once more: a closer node is known now, so it steps down instead.
        Assert.True(asker.IsPullingState(_appId));
        Assert.False(asker.IsRootOf(_appId));
        Assert.Contains(askerContext.Drain(), s => s.To == closer && s.Message.Kind == TreeKind.Join);
        Assert.False(asker.IsPullingState(_appId)); // not a root any more: nothing of the app is its to start
    }

    [Fact]
    public void The_closer_node_itself_answers_a_pull_with_its_own_name()
    {
        (ForestNode asker, FakeNodeContext askerContext, PeerHandle askerHandle, PeerHandle[] others) = FalseRoot();
        PeerHandle closerHandle = _network.Add(new NodeId(_appId.Value + 1));
        (ForestNode closer, FakeNodeContext closerContext) = Node(closerHandle, knows: [askerHandle, .. others]);

        Assert.True(asker.IsPullingState(_appId));
        closer.Receive(askerHandle, TreeMessages.ReplicaPull(_appId));

        FakeNodeContext.Sent hint = Assert.Single(closerContext.Drain(), s => s.To == askerHandle);
        Assert.Equal(MessageKind.Announce, hint.Message.Kind);
        asker.Receive(closerHandle, hint.Message);
        Assert.Equal(closerHandle, asker.Overlay.NextHop(_appId));
    }

    [Fact]
    public void A_peer_that_knows_nothing_closer_than_the_asker_stays_silent()
    {
        (ForestNode asker, FakeNodeContext askerContext, PeerHandle askerHandle, PeerHandle[] others) = FalseRoot();
        (ForestNode peer, FakeNodeContext peerContext) = Node(others[0], knows: [askerHandle, .. others[1..]]);

        Assert.True(asker.IsPullingState(_appId));
        peer.Receive(askerHandle, TreeMessages.ReplicaPull(_appId));

        Assert.Empty(peerContext.Drain());
        Assert.Equal(0, peer.CloserNodesIntroduced);
    }

    [Fact]
    public void The_pull_is_sent_again_halfway_through_the_grace_and_once_more_before_a_late_start()
    {
        (ForestNode asker, FakeNodeContext context, _, PeerHandle[] others) = FalseRoot();

        Assert.True(asker.IsPullingState(_appId));
        int perPull = context.Drain().Count(s => s.Message.Kind == TreeKind.ReplicaPull);
        Assert.Equal(others.Length, perPull); // the whole leaf set

        context.Advance(ForestNode.PullGraceMicros / 2, asker);
        Assert.True(asker.IsPullingState(_appId));
        Assert.Equal(perPull, context.Drain().Count(s => s.Message.Kind == TreeKind.ReplicaPull)); // one lost copy or answer is not the end
        Assert.True(asker.IsPullingState(_appId));
        Assert.DoesNotContain(context.Drain(), s => s.Message.Kind == TreeKind.ReplicaPull); // only once

        context.Advance(ForestNode.PullGraceMicros / 2 + 1, asker);
        Assert.False(asker.IsPullingState(_appId)); // nothing came, and its workers saw no round: it may start afresh
        Assert.Equal(2, asker.ReplicaPulls);

        context.Advance(ForestNode.PullAnswerKeptMicros, asker);
        Assert.True(asker.IsPullingState(_appId)); // the silence is old: a start this late asks again first
        Assert.Equal(3, asker.ReplicaPulls);
    }

    /// <summary>
    /// The CI failure of RealModeFailoverTests: after the master's host was killed the heir took over, and a node farther
    /// from the app, which took the heir for dead under load, took over too and ran rounds with one worker; its
    /// replica, rounds ahead, then replaced the heir's run. A root running rounds itself takes no replica; one
    /// holding nothing still takes it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_root_running_its_own_rounds_keeps_them_against_a_second_roots_newer_replica(bool running)
    {
        (ForestNode root, FakeNodeContext context, _, _) = FalseRoot();
        if (running)
            Assert.Equal(1, root.Broadcast(_appId, Payload.FromVector([1f])));
        context.Drain();
        PeerHandle second = _network.Add(new NodeId(_appId.Value + 9000)); // farther from the app than the root

        root.Receive(second, TreeMessages.Replica(_appId, round: 30, ReplicaEnvelope.Seal(Payload.FromVector([2f]), AppDescriptor.Default(_appId, "split", 8).Encode()), members: null));

        Assert.True(root.TryGetTree(_appId, out TreeInfo tree));
        Assert.Equal(running ? 0 : 1, root.RootTakeovers);
        Assert.Equal(running ? 1 : 30, tree.Round);
        Assert.True(root.IsRootOf(_appId));
    }

    /// <summary>A node that became the app's root from a worker's JOIN, knowing no node closer to the app.</summary>
    private (ForestNode Node, FakeNodeContext Context, PeerHandle Self, PeerHandle[] Others) FalseRoot()
    {
        PeerHandle self = _network.Add(new NodeId(_appId.Value + 5000));
        PeerHandle[] others = [.. Enumerable.Range(0, 6).Select(_ => _network.AddRandom())];
        (ForestNode node, FakeNodeContext context) = Node(self, knows: others);
        PeerHandle worker = _network.AddRandom();
        node.Receive(worker, new Message { Kind = TreeKind.Join, Key = _appId, Origin = worker, Row = 8, Stamp = 1, Payload = Payload.FromData(AppDescriptor.Default(_appId, "split", 8).Encode()) });
        Assert.True(node.IsRootOf(_appId));
        context.Drain();
        return (node, context, self, others);
    }

    private (ForestNode Node, FakeNodeContext Context) Node(PeerHandle self, IEnumerable<PeerHandle> knows) => TreeSeat.Alone(_network, self, knows);
}
