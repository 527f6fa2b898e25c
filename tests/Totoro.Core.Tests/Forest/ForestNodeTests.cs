using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>One forest node driven by hand on a fake context: tree messages in, what it sends out.</summary>
public class ForestNodeTests
{
    private readonly FakeNetwork _network = new(seed: 21);

    /// <summary>A forest node on an overlay where it has heard from <paramref name="peers"/> other nodes.</summary>
    private (ForestNode Node, FakeNodeContext Context, PeerHandle[] Known) Node(int peers)
    {
        PeerHandle self = _network.AddRandom();
        FakeNodeContext context = _network.ContextFor(self);
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: null, app: null);
        node.Join(PeerHandle.None);
        var known = new PeerHandle[peers];
        for (int i = 0; i < peers; i++)
        {
            known[i] = _network.AddRandom();
            node.Receive(known[i], new Message { Kind = MessageKind.Announce });
        }

        context.Drain();
        return (node, context, known);
    }

    /// <summary>A JOIN as a subscriber sends it: with the app's descriptor, from which the forwarder learns the app.</summary>
    private static Message Join(NodeId app, PeerHandle joiner, int fanout, int height = 0)
        => new() { Kind = TreeKind.Join, Key = app, Origin = joiner, Row = (byte)fanout, Hops = (ushort)height, Stamp = 1, Payload = Descriptor(app, fanout) };

    private static Payload Descriptor(NodeId app, int fanout) => Payload.FromData(AppDescriptor.Default(app, "test-app", fanout).Encode());

    [Fact]
    public void A_root_with_nobody_below_closes_its_round_only_after_broadcast_has_returned_the_round()
    {
        // A root that took over before its children re-joined has nobody to wait for. Were the round closed inside
        // Broadcast, the app would hear OnAggregated before it learned the round's number, and never go on.
        PeerHandle self = _network.AddRandom();
        FakeNodeContext context = _network.ContextFor(self);
        var app = new Closed();
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: null, app);
        node.Join(PeerHandle.None);
        var id = new NodeId(_network.IdOf(self).Value + 1);
        PeerHandle child = _network.AddRandom();
        node.Receive(child, Join(id, child, fanout: 4)); // alone in the overlay: it becomes the root and adopts
        node.Receive(child, new Message { Kind = TreeKind.Leave, Key = id });
        Assert.True(node.TryGetTree(id, out TreeInfo tree) && tree.IsRoot && tree.Children.Length == 0 && !tree.IsSubscriber);

        int round = node.Broadcast(id, Payload.FromVector([1f]));
        Assert.Empty(app.Rounds);
        context.Advance(1, node);
        Assert.Equal([round], app.Rounds);
    }

    private sealed class Closed : IForestApp
    {
        public List<int> Rounds { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
        {
        }

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions) => Rounds.Add(round);
    }

    [Fact]
    public void A_join_without_the_apps_descriptor_or_with_another_apps_is_refused_and_counted()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] known) = Node(peers: 10);
        var app = new NodeId(_network.IdOf(known[3]).Value + 1);
        PeerHandle joiner = _network.AddRandom();

        node.Receive(joiner, Join(app, joiner, fanout: 4) with { Payload = null });
        node.Receive(joiner, Join(app, joiner, fanout: 4) with { Payload = Descriptor(new NodeId(app.Value + 7), 4) });
        node.Receive(joiner, Join(app, joiner, fanout: 4) with { Payload = Payload.FromData([1, 2, 3]) });

        Assert.Empty(context.Drain()); // neither adopted nor routed on
        Assert.False(node.TryGetTree(app, out _));
        Assert.Equal(3, node.RefusedMessages);
    }

    [Fact]
    public void Tree_messages_without_their_payload_or_of_a_kind_the_forest_does_not_speak_are_refused_and_counted()
    {
        (ForestNode node, FakeNodeContext context, NodeId app, PeerHandle parent, _) = Interior();
        node.TryGetTree(app, out TreeInfo before);

        node.Receive(parent, new Message { Kind = TreeKind.Broadcast, Key = app, Round = before.Round + 1 });
        node.Receive(parent, new Message { Kind = TreeKind.Aggregate, Key = app, Round = before.Round + 1 });
        node.Receive(parent, new Message { Kind = (MessageKind)200, Key = app });

        Assert.Equal(3, node.RefusedMessages);
        Assert.Empty(context.Drain()); // nothing forwarded down, nothing answered
        Assert.True(node.TryGetTree(app, out TreeInfo after));
        Assert.Equal(before.Round, after.Round);
    }

    [Fact]
    public void Each_tree_message_reads_back_through_its_view_what_its_builder_wrote()
    {
        var app = NodeId.FromRandom(3, 4);
        PeerHandle a = new(5), b = new(9);
        Payload payload = Payload.FromVector([1f, 2f]);

        Message join = TreeMessages.Join(app, a, fanout: 12, height: 3, sentAt: 77, round: 41, avoid: [b], payload, pushedDown: true, Totoro.Core.Rings.RouteScope.ZoneLocal);
        var j = new JoinView(in join);
        Assert.Equal((app, a, 12, 3, 77L, 41, b, true), (j.App, j.Joiner, j.Fanout, j.Height, j.SentAt, j.Round, j.Avoid![0], j.PushedDown));
        Assert.Same(payload, j.Descriptor);
        Assert.True((join.Flags & MessageFlags.ZoneLocal) != 0); // the overlay keeps a zone-local JOIN in its zone

        Message broadcast = TreeMessages.Broadcast(app, round: 6, payload, depth: 2, timeLeft: 900);
        var d = new BroadcastView(in broadcast);
        Assert.Equal((app, 6, 2, 900L), (d.App, d.Round, d.Depth, d.TimeLeft));

        Message aggregate = TreeMessages.Aggregate(app, round: 6, payload, contributions: 14);
        var u = new AggregateView(in aggregate);
        Assert.Equal((app, 6, 14L), (u.App, u.Round, u.Contributions));

        Message ack = TreeMessages.JoinAck(app, round: 8, fanout: 16, parents: [b]);
        var k = new JoinAckView(in ack);
        Assert.Equal((app, 8, 16, b), (k.App, k.Round, k.Fanout, k.Grandparent));

        Message down = TreeMessages.Heartbeat(app, round: 2, detached: true, parents: [a]);
        Message up = TreeMessages.HeightReport(app, height: 300);
        Assert.Equal((true, a), (new HeartbeatView(in down).Detached, new HeartbeatView(in down).Grandparent));
        Assert.Equal((false, 255), (new HeartbeatView(in up).Detached, new HeartbeatView(in up).Height));

        Message routed = TreeMessages.AppRouted(app, tag: 3, a, stamp: 5, payload);
        var r = new AppMessageView(in routed);
        Assert.Equal((true, (byte)3, app, a, 5L), (r.IsRouted, r.Tag, r.Key, r.Origin, r.Stamp));
        Message direct = TreeMessages.AppDirect(3, 5, payload);
        Assert.False(new AppMessageView(in direct).IsRouted);
    }

    [Fact]
    public void Membership_moves_through_explicit_states_joining_attached_and_back_to_joining_when_the_parent_leaves()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] known) = Node(peers: 10);
        var app = new NodeId(_network.IdOf(known[4]).Value + 1);
        node.Subscribe(AppDescriptor.Default(app, "states", 8));
        Assert.True(node.TryGetTree(app, out TreeInfo tree));
        Assert.Equal(TreeRole.Joining, tree.Role);
        FakeNodeContext.Sent join = Assert.Single(Of(context.Drain(), TreeKind.Join));

        node.Receive(join.To, TreeMessages.JoinAck(app, round: 3, fanout: 8, parents: null));
        Assert.True(node.TryGetTree(app, out tree));
        Assert.Equal((TreeRole.Attached, join.To, false, 3), (tree.Role, tree.Parent, tree.Detached, tree.Round));
        context.Drain();

        node.Receive(join.To, TreeMessages.Leave(app)); // the parent left the tree: re-join at once, detached meanwhile
        Assert.True(node.TryGetTree(app, out tree));
        Assert.Equal((TreeRole.Joining, PeerHandle.None, true), (tree.Role, tree.Parent, tree.Detached));
        Assert.Single(Of(context.Drain(), TreeKind.Join));
    }

    [Fact]
    public void A_node_with_nobody_closer_to_the_app_becomes_its_root()
    {
        (ForestNode node, _, _) = Node(peers: 0);
        var app = new NodeId(node.Overlay.Id.Value + 1);
        node.Subscribe(AppDescriptor.Default(app, "alone", 8));
        Assert.True(node.TryGetTree(app, out TreeInfo tree));
        Assert.Equal((TreeRole.Root, true), (tree.Role, tree.IsRoot));
    }

    private static List<FakeNodeContext.Sent> Of(List<FakeNodeContext.Sent> sent, MessageKind kind) => sent.FindAll(s => s.Message.Kind == kind);

    /// <summary>
    /// A forwarder F (not the app's closest node, which is K) with three children that joined through it and K as
    /// its parent: the shape of an interior tree node.
    /// </summary>
    private (ForestNode Node, FakeNodeContext Context, NodeId App, PeerHandle Parent, PeerHandle[] Children) Interior()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] known) = Node(peers: 10);
        PeerHandle parent = known[4];
        var app = new NodeId(_network.IdOf(parent).Value + 1);
        PeerHandle[] children = [_network.AddRandom(), _network.AddRandom(), _network.AddRandom()];
        foreach (PeerHandle child in children)
            node.Receive(child, Join(app, child, fanout: 8));
        node.Receive(parent, new Message { Kind = TreeKind.JoinAck, Key = app, Row = 8 });
        context.Drain();
        Assert.True(node.TryGetTree(app, out TreeInfo tree));
        Assert.Equal(parent, tree.Parent);
        return (node, context, app, parent, children);
    }

    [Fact]
    public void A_join_at_a_forwarder_outside_the_tree_is_adopted_acked_and_the_forwarder_joins_on_its_own()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] known) = Node(peers: 10);
        PeerHandle closest = known[7];
        var app = new NodeId(_network.IdOf(closest).Value + 1); // known[7] is the app's closest node
        PeerHandle joiner = _network.AddRandom();

        node.Receive(joiner, Join(app, joiner, fanout: 4));
        List<FakeNodeContext.Sent> sent = context.Drain();

        FakeNodeContext.Sent ack = Assert.Single(Of(sent, TreeKind.JoinAck));
        Assert.Equal((joiner, app), (ack.To, ack.Message.Key));
        FakeNodeContext.Sent own = Assert.Single(Of(sent, TreeKind.Join)); // its own, not the joiner's
        Assert.Equal(closest, own.To);
        Assert.Equal(context.Self, own.Message.Origin);
        Assert.Equal(app, own.Message.Key);
        Assert.Equal(4, own.Message.Row);
        Assert.True(node.TryGetTree(app, out TreeInfo tree));
        Assert.Equal([joiner], tree.Children);
        Assert.False(tree.IsRoot);

        // A second joiner while this node's own join is on its way: adopted, and no second join goes out.
        PeerHandle second = _network.AddRandom();
        node.Receive(second, Join(app, second, fanout: 4));
        sent = context.Drain();
        Assert.Equal(second, Assert.Single(Of(sent, TreeKind.JoinAck)).To);
        Assert.Empty(Of(sent, TreeKind.Join));
    }

    [Fact]
    public void A_full_parent_pushes_a_joiner_down_to_its_shallowest_child_and_a_taller_joiner_takes_that_childs_place()
    {
        (ForestNode node, FakeNodeContext context, _) = Node(peers: 0); // knows no one: it is the app's root
        var app = NodeId.FromRandom(5, 5);
        PeerHandle tall = _network.AddRandom(), shallow = _network.AddRandom();
        node.Receive(tall, Join(app, tall, fanout: 2, height: 2));
        node.Receive(shallow, Join(app, shallow, fanout: 2, height: 0));
        Assert.True(node.IsRootOf(app));
        Assert.Equal(2, Of(context.Drain(), TreeKind.JoinAck).Count);

        PeerHandle third = _network.AddRandom();
        node.Receive(third, Join(app, third, fanout: 2, height: 0));
        List<FakeNodeContext.Sent> sent = context.Drain();
        Assert.Empty(Of(sent, TreeKind.JoinAck));
        FakeNodeContext.Sent push = Assert.Single(Of(sent, TreeKind.Join));
        Assert.Equal(shallow, push.To);
        Assert.Equal(third, push.Message.Origin);
        Assert.Equal(TreeFlags.PushDown, push.Message.Flags & TreeFlags.PushDown);
        Assert.True(node.TryGetTree(app, out TreeInfo tree));
        Assert.Equal([tall, shallow], tree.Children);

        // Now `shallow` carries `third` (height 1 < 2): a joiner of height 3 takes its place, and it moves under `tall`.
        PeerHandle towering = _network.AddRandom();
        node.Receive(towering, Join(app, towering, fanout: 2, height: 3));
        sent = context.Drain();
        Assert.Equal(towering, Assert.Single(Of(sent, TreeKind.JoinAck)).To);
        push = Assert.Single(Of(sent, TreeKind.Join));
        Assert.Equal((tall, shallow), (push.To, push.Message.Origin));
        Assert.True(node.TryGetTree(app, out tree));
        Assert.Equal(new[] { tall, towering }.OrderBy(p => p.Index), tree.Children.OrderBy(p => p.Index));
    }

    [Fact]
    public void Each_childs_aggregate_is_merged_into_exactly_one_aggregate_to_the_parent_equal_to_the_flat_weighted_sum()
    {
        (ForestNode node, FakeNodeContext context, NodeId app, PeerHandle parent, PeerHandle[] children) = Interior();
        node.Receive(parent, new Message { Kind = TreeKind.Broadcast, Key = app, Round = 1, Hops = 1, Payload = Payload.FromVector([0f, 0f, 0f, 0f]) });
        List<FakeNodeContext.Sent> down = Of(context.Drain(), TreeKind.Broadcast);
        Assert.Equal(children.OrderBy(c => c.Index), down.Select(d => d.To).OrderBy(c => c.Index));
        Assert.All(down, d => Assert.Equal((1, 2), (d.Message.Round, (int)d.Message.Hops)));

        // Workers' weighted updates w·x with weight w; values on a 1/8 grid so that every float sum is exact.
        var updates = new Payload[children.Length];
        long[] counts = [3, 1, 5];
        for (int i = 0; i < children.Length; i++)
        {
            double weight = 10 + (7 * i);
            float[] x = [.. Enumerable.Range(0, 4).Select(k => (float)((int)(_network.Next() % 64) - 32) / 8)];
            updates[i] = Payload.FromVector([.. x.Select(v => (float)(v * weight))], weight);
        }

        float[] flat = new float[4];
        foreach (Payload u in updates)
        {
            for (int k = 0; k < flat.Length; k++)
                flat[k] += u.Vector![k];
        }

        for (int i = 0; i < children.Length; i++)
        {
            Message aggregate = new() { Kind = TreeKind.Aggregate, Key = app, Round = 1, Stamp = counts[i], Payload = updates[i] };
            node.Receive(children[i], aggregate);
            node.Receive(children[i], aggregate); // a retry is counted once
            if (i < children.Length - 1)
                Assert.Empty(Of(context.Outbox, TreeKind.Aggregate)); // nothing goes up before the last child
        }

        FakeNodeContext.Sent up = Assert.Single(Of(context.Drain(), TreeKind.Aggregate));
        Assert.Equal(parent, up.To);
        Assert.Equal((app, 1), (up.Message.Key, up.Message.Round));
        Assert.Equal(counts.Sum(), up.Message.Stamp);
        Assert.Equal(updates.Sum(u => u.Weight), up.Message.Payload!.Weight);
        Assert.Equal(flat, up.Message.Payload.Vector);

        node.Receive(children[0], new Message { Kind = TreeKind.Aggregate, Key = app, Round = 1, Stamp = 1, Payload = updates[0] });
        Assert.Empty(Of(context.Drain(), TreeKind.Aggregate)); // the round is closed
    }

    [Fact]
    public void A_round_with_a_deadline_closes_at_its_cutoff_with_the_children_that_answered()
    {
        (ForestNode node, FakeNodeContext context, NodeId app, PeerHandle parent, PeerHandle[] children) = Interior();
        long deadline = context.Now + 2_000_000;
        long cutoff = deadline - new TreeOptions().LevelMarginMicros; // depth 1: one level's margin before the root's deadline
        node.Receive(parent, new Message { Kind = TreeKind.Broadcast, Key = app, Round = 1, Hops = 1, Stamp = deadline, Payload = Payload.FromVector([0f, 0f]) });
        Assert.Equal(3, Of(context.Drain(), TreeKind.Broadcast).Count);

        node.Receive(children[0], new Message { Kind = TreeKind.Aggregate, Key = app, Round = 1, Stamp = 1, Payload = Payload.FromVector([1f, 2f], 1) });
        node.Receive(children[2], new Message { Kind = TreeKind.Aggregate, Key = app, Round = 1, Stamp = 2, Payload = Payload.FromVector([10f, 20f], 2) });
        context.AdvanceTo(cutoff - 1, node);
        Assert.Empty(Of(context.Outbox, TreeKind.Aggregate)); // children[1] still has time

        context.AdvanceTo(cutoff, node);
        FakeNodeContext.Sent up = Assert.Single(Of(context.Drain(), TreeKind.Aggregate));
        Assert.Equal((parent, cutoff), (up.To, up.At));
        Assert.Equal([11f, 22f], up.Message.Payload!.Vector!);
        Assert.Equal(3, up.Message.Payload.Weight);
        Assert.Equal(3, up.Message.Stamp);

        // The straggler's answer after the cut-off is left out: nothing more goes up.
        node.Receive(children[1], new Message { Kind = TreeKind.Aggregate, Key = app, Round = 1, Stamp = 1, Payload = Payload.FromVector([5f, 5f], 1) });
        context.Advance(1_000_000, node);
        Assert.Empty(Of(context.Drain(), TreeKind.Aggregate));
    }
}
