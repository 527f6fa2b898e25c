using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Overlay;

/// <summary>One Pastry node driven by hand on a fake context: messages in, the messages it sends out.</summary>
public class PastryNodeTests
{
    /// <summary>A node that founded an overlay and then heard an announce from each of <paramref name="peers"/> new nodes.</summary>
    private static (PastryNode Node, FakeNodeContext Context, PeerHandle[] Known) Joined(FakeNetwork network, int peers, PastryOptions? options = null)
    {
        PeerHandle self = network.AddRandom();
        FakeNodeContext context = network.ContextFor(self);
        var node = new PastryNode(context, network.IdOf(self), options ?? new PastryOptions(), listener: null);
        node.Start(PeerHandle.None);
        var known = new PeerHandle[peers];
        for (int i = 0; i < peers; i++)
        {
            known[i] = network.AddRandom();
            node.Receive(known[i], new Message { Kind = MessageKind.Announce });
        }

        context.Drain();
        return (node, context, known);
    }

    /// <summary>Brute force: the node numerically closest to the key among <paramref name="candidates"/>.</summary>
    private static PeerHandle Closest(FakeNetwork network, NodeId key, IEnumerable<PeerHandle> candidates)
    {
        PeerHandle best = PeerHandle.None;
        foreach (PeerHandle c in candidates)
        {
            if (best.IsNone || key.IsCloser(network.IdOf(c), network.IdOf(best)))
                best = c;
        }

        return best;
    }

    /// <summary>
    /// A keep-alive's peers that are already leaf-set members skip the routing table (they were offered to it when they
    /// entered the leaf set, and a slot only ever takes closer peers). Once a slot's holder is gone that no longer
    /// holds: a member turned away by it must take the freed slot when it is heard again.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_leaf_set_member_turned_away_by_a_routing_slot_takes_it_once_the_holder_leaves(bool secondHand)
    {
        var network = new FakeNetwork(7);
        var selfId = new NodeId(new UInt128(0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4300));
        PeerHandle self = network.Add(selfId);
        PeerHandle holder = network.Add(new NodeId(selfId.Value + 0x15)); // row 30, column 1; closer to self (by handle)
        PeerHandle member = network.Add(new NodeId(selfId.Value + 0x17)); // the same slot, farther
        PeerHandle other = network.Add(new NodeId(selfId.Value - 0x40));
        Assert.True(FakeNetwork.Proximity(self, holder) < FakeNetwork.Proximity(self, member));
        FakeNodeContext context = network.ContextFor(self);
        var node = new PastryNode(context, selfId, new PastryOptions(), listener: null);
        node.Start(PeerHandle.None);
        foreach (PeerHandle peer in new[] { holder, member, other })
            node.Receive(peer, new Message { Kind = MessageKind.Announce });
        Assert.Equal(holder, node.RoutingEntry(30, 1));
        Assert.Contains(member, node.RightLeaves());

        // Heard again while the holder is there: still turned away.
        node.Receive(other, new Message { Kind = MessageKind.LeafSetPong, Peers = [member] });
        node.Receive(member, new Message { Kind = MessageKind.LeafSetPong });
        Assert.Equal(holder, node.RoutingEntry(30, 1));

        node.Receive(holder, new Message { Kind = MessageKind.Leave });
        Assert.Equal(PeerHandle.None, node.RoutingEntry(30, 1));
        if (secondHand)
            node.Receive(other, new Message { Kind = MessageKind.LeafSetPong, Peers = [member] });
        else
            node.Receive(member, new Message { Kind = MessageKind.LeafSetPong });
        Assert.Equal(member, node.RoutingEntry(30, 1));
    }

    [Fact]
    public void A_join_request_goes_on_to_the_numerically_closest_known_node_and_the_joiner_gets_rows()
    {
        var network = new FakeNetwork(seed: 11);
        (PastryNode node, FakeNodeContext context, PeerHandle[] known) = Joined(network, peers: 10);
        PeerHandle self = context.Self;
        int forwarded = 0, ended = 0;
        for (int i = 0; i < 40; i++)
        {
            PeerHandle joiner = network.AddRandom();
            NodeId key = network.IdOf(joiner);
            node.Receive(known[i % known.Length], new Message { Kind = MessageKind.JoinRequest, Key = key, Origin = joiner, Hops = 1, Stamp = 5 });
            List<FakeNodeContext.Sent> sent = context.Drain();
            PeerHandle expected = Closest(network, key, known.Append(self));

            FakeNodeContext.Sent reply = Assert.Single(sent, s => s.Message.Kind == MessageKind.JoinReply);
            Assert.Equal(joiner, reply.To);
            Assert.Equal(key, reply.Message.Key);
            if (expected == self)
            {
                // This node is the closest: its reply is the last one, carrying its leaf set (every known node here).
                ended++;
                Assert.Equal(MessageFlags.Final, reply.Message.Flags);
                Assert.DoesNotContain(sent, s => s.Message.Kind == MessageKind.JoinRequest);
                Assert.Equal(known.OrderBy(p => p.Index), reply.Message.Peers!.Distinct().OrderBy(p => p.Index));
            }
            else
            {
                forwarded++;
                Assert.Equal(MessageFlags.None, reply.Message.Flags);
                FakeNodeContext.Sent next = Assert.Single(sent, s => s.Message.Kind == MessageKind.JoinRequest);
                Assert.Equal(expected, next.To);
                Assert.Equal(key, next.Message.Key);
                Assert.Equal(joiner, next.Message.Origin);
                Assert.Equal(2, next.Message.Hops);
            }

            Assert.False(node.KnowsOf(joiner)); // a joiner is learned from its announce, not from its request
        }

        Assert.True(forwarded > 0 && ended > 0, $"{forwarded} forwarded, {ended} ended here: both cases must be exercised");
    }

    [Fact]
    public void Every_lookup_hop_makes_progress_and_the_leaf_set_range_goes_to_the_closest_node()
    {
        var network = new FakeNetwork(seed: 12);
        (PastryNode node, FakeNodeContext context, PeerHandle[] known) = Joined(network, peers: 300);
        PeerHandle self = context.Self;
        NodeId selfId = network.IdOf(self);
        PeerHandle[] leaves = [.. node.RightLeaves(), .. node.LeftLeaves()];
        Assert.Equal(24, leaves.Distinct().Count());
        int b = node.Options.B;
        NodeId farRight = network.IdOf(node.RightLeaves()[^1]), farLeft = network.IdOf(node.LeftLeaves()[^1]);
        bool Covered(NodeId key) => selfId.ClockwiseTo(key) <= selfId.ClockwiseTo(farRight) || key.ClockwiseTo(selfId) <= farLeft.ClockwiseTo(selfId);
        int far = 0;
        for (int i = 0; i < 400; i++)
        {
            // Half the keys near this node (inside its leaf set's range), half anywhere on the ring.
            NodeId key = (i % 4) switch
            {
                0 => new NodeId(selfId.Value + ((UInt128)network.Next() << 50)),
                1 => new NodeId(selfId.Value - ((UInt128)network.Next() << 50)),
                _ => NodeId.FromRandom(network.Next(), network.Next()),
            };
            node.Receive(known[0], new Message { Kind = MessageKind.Lookup, Key = key, Origin = known[0], Hops = 1, Stamp = i });
            List<FakeNodeContext.Sent> sent = context.Drain();
            PeerHandle closest = Closest(network, key, known.Append(self));
            if (sent.Count == 0)
            {
                Assert.Equal(self, closest); // delivered here only when no known node is closer
                continue;
            }

            FakeNodeContext.Sent hop = Assert.Single(sent);
            Assert.Equal(MessageKind.Lookup, hop.Message.Kind);
            Assert.Equal(2, hop.Message.Hops);
            NodeId nextId = network.IdOf(hop.To);
            int selfPrefix = selfId.SharedPrefixDigits(key, b), nextPrefix = nextId.SharedPrefixDigits(key, b);
            Assert.True(nextPrefix > selfPrefix || (nextPrefix == selfPrefix && key.IsCloser(nextId, selfId)), $"hop {i} to {nextId} makes no progress towards {key}");
            if (Covered(key))
                Assert.Equal(closest, hop.To); // inside the leaf set's range the closest node is known and chosen
            else
                far++;
        }

        Assert.True(far > 100, $"only {far} lookups were routed by the table");
    }

    [Fact]
    public void A_leaf_set_ping_is_answered_with_a_pong_carrying_the_leaf_set_and_a_probe_with_a_bare_pong()
    {
        var network = new FakeNetwork(seed: 13);
        (PastryNode node, FakeNodeContext context, PeerHandle[] known) = Joined(network, peers: 40);
        PeerHandle stranger = network.AddRandom();

        node.Receive(stranger, new Message { Kind = MessageKind.LeafSetPing, Peers = [known[3]] });
        FakeNodeContext.Sent pong = Assert.Single(context.Drain(), s => s.Message.Kind == MessageKind.LeafSetPong);
        Assert.Equal(stranger, pong.To);
        PeerHandle[] leaves = [.. node.RightLeaves(), .. node.LeftLeaves()];
        Assert.Equal(leaves.Distinct().OrderBy(p => p.Index), pong.Message.Peers!.OrderBy(p => p.Index));

        node.Receive(known[5], new Message { Kind = MessageKind.LeafSetPing, Flags = MessageFlags.LivenessOnly });
        FakeNodeContext.Sent bare = Assert.Single(context.Drain());
        Assert.Equal((known[5], MessageKind.LeafSetPong), (bare.To, bare.Message.Kind));
        Assert.Null(bare.Message.Peers);
    }

    [Fact]
    public void A_silent_neighbour_loses_its_lease_is_declared_dead_and_the_next_neighbour_is_probed()
    {
        var options = new PastryOptions();
        var network = new FakeNetwork(seed: 14);
        (PastryNode node, FakeNodeContext context, _) = Joined(network, peers: 40, options);
        PeerHandle right = node.RightLeaves()[0], nextRight = node.RightLeaves()[1], left = node.LeftLeaves()[0];

        // Both neighbours are pinged every period; only the left one answers.
        long end = options.LeaseMicros + (3 * options.LeafSetPingPeriodMicros);
        var log = new List<FakeNodeContext.Sent>();
        while (context.Now < end && !log.Exists(s => s.Message.Kind == MessageKind.NodeFailed))
        {
            context.Advance(1_000_000, node);
            foreach (FakeNodeContext.Sent s in context.Drain())
            {
                log.Add(s);
                if (s.Message.Kind == MessageKind.LeafSetPing && s.To == left)
                    node.Receive(left, new Message { Kind = MessageKind.LeafSetPong });
            }
        }

        Assert.Contains(log, s => s.Message.Kind == MessageKind.LeafSetPing && s.To == right); // it was asked
        List<FakeNodeContext.Sent> notices = log.FindAll(s => s.Message.Kind == MessageKind.NodeFailed);
        Assert.NotEmpty(notices);
        Assert.All(notices, n => Assert.Equal([right], n.Message.Peers!));
        long declaredAt = notices[0].At;
        Assert.Contains(log, s => s.At == declaredAt && s.To == nextRight && s.Message is { Kind: MessageKind.LeafSetPing, Flags: MessageFlags.LivenessOnly });
        Assert.True(declaredAt >= options.LeaseMicros, $"declared dead at {declaredAt} µs, before a {options.LeaseMicros} µs lease ran out");
        Assert.True(declaredAt <= options.LeaseMicros + (2 * options.LeafSetPingPeriodMicros), $"declared dead only at {declaredAt} µs");
        Assert.False(node.KnowsOf(right));
        Assert.True(node.KnowsOf(left));
        Assert.Equal(nextRight, node.RightLeaves()[0]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_expired_leases_probed_a_neighbour_whose_lease_messages_were_all_lost_stays_if_it_answers_the_probe(bool answersProbe)
    {
        var options = new PastryOptions { ProbeExpiredLeases = true, ProbeTries = 2 };
        var network = new FakeNetwork(seed: 14);
        (PastryNode node, FakeNodeContext context, _) = Joined(network, peers: 40, options);
        PeerHandle right = node.RightLeaves()[0], left = node.LeftLeaves()[0];

        // Every keep-alive to and from the right neighbour is lost; the left one answers.
        long end = options.LeaseMicros + (4 * options.LeafSetPingPeriodMicros);
        var log = new List<FakeNodeContext.Sent>();
        while (context.Now < end)
        {
            context.Advance(250_000, node);
            foreach (FakeNodeContext.Sent s in context.Drain())
            {
                log.Add(s);
                if (s.Message.Kind == MessageKind.LeafSetPing && s.To == left)
                    node.Receive(left, new Message { Kind = MessageKind.LeafSetPong });
                else if (answersProbe && s.Message is { Kind: MessageKind.LeafSetPing, Flags: MessageFlags.LivenessOnly } && s.To == right)
                    node.Receive(right, new Message { Kind = MessageKind.LeafSetPong });
            }
        }

        Assert.Contains(log, s => s.To == right && s.Message is { Kind: MessageKind.LeafSetPing, Flags: MessageFlags.LivenessOnly }); // probed, not ruled on
        Assert.Equal(answersProbe, node.KnowsOf(right));
        Assert.Equal(!answersProbe, log.Exists(s => s.Message.Kind == MessageKind.NodeFailed && s.Message.Peers is [var p] && p == right));
        Assert.True(node.KnowsOf(left));
    }

    [Fact]
    public void A_probed_neighbour_that_answers_stays_and_one_that_does_not_is_dropped_after_the_probe_timeout()
    {
        var options = new PastryOptions();
        var network = new FakeNetwork(seed: 15);
        (PastryNode node, FakeNodeContext context, PeerHandle[] known) = Joined(network, peers: 40, options);
        PeerHandle answers = node.RightLeaves()[2], silent = node.LeftLeaves()[2];

        // Another node reports both dead: each is probed, not dropped on hearsay.
        node.Receive(known[0], new Message { Kind = MessageKind.NodeFailed, Peers = [answers] });
        node.Receive(known[0], new Message { Kind = MessageKind.NodeFailed, Peers = [silent] });
        List<FakeNodeContext.Sent> probes = context.Drain();
        Assert.Equal([answers, silent], probes.Select(p => p.To));
        Assert.All(probes, p => Assert.Equal((MessageKind.LeafSetPing, MessageFlags.LivenessOnly), (p.Message.Kind, p.Message.Flags)));

        node.Receive(answers, new Message { Kind = MessageKind.LeafSetPong });
        context.Advance(options.ProbeTimeoutMicros - 1, node);
        Assert.True(node.KnowsOf(silent)); // not before the timeout
        context.Advance(1, node);
        Assert.True(node.KnowsOf(answers));
        Assert.False(node.KnowsOf(silent));
    }

    [Fact]
    public void A_death_notice_from_a_node_outside_the_leaf_set_changes_nothing_where_notices_are_heeded_from_neighbours_only()
    {
        var options = new PastryOptions { FailureNoticesFromLeafSetOnly = true };
        var network = new FakeNetwork(seed: 16);
        (PastryNode node, FakeNodeContext context, PeerHandle[] known) = Joined(network, peers: 40, options);
        PeerHandle subject = node.RightLeaves()[1], neighbour = node.LeftLeaves()[0];
        PeerHandle[] leaves = [.. node.RightLeaves(), .. node.LeftLeaves()];
        PeerHandle stranger = network.AddRandom(); // certified, but nobody's neighbour here
        PeerHandle distant = known.First(k => !leaves.Contains(k)); // heard of, beyond the leaf set

        // Lies about a live member that never answers here (a fake world delivers nothing): acting on them would
        // probe it and, after the probe timeout, drop it.
        node.Receive(stranger, new Message { Kind = MessageKind.NodeFailed, Peers = [subject] });
        node.Receive(distant, new Message { Kind = MessageKind.NodeFailed, Peers = [subject] });
        Assert.Empty(context.Drain()); // not even a probe
        Assert.False(node.Doubts(subject));
        context.Advance(2 * options.ProbeTimeoutMicros, node);
        context.Drain();
        Assert.True(node.KnowsOf(subject));
        Assert.Equal(leaves, (PeerHandle[])[.. node.RightLeaves(), .. node.LeftLeaves()]);
        Assert.Equal(2, node.IgnoredFailureNotices);

        // The same notice from a neighbour of the subject is probed, and a silent subject is dropped.
        node.Receive(neighbour, new Message { Kind = MessageKind.NodeFailed, Peers = [subject] });
        Assert.Equal([subject], context.Drain().Select(p => p.To));
        context.Advance(options.ProbeTimeoutMicros, node);
        Assert.False(node.KnowsOf(subject));
        Assert.Equal(2, node.IgnoredFailureNotices);
    }

    [Fact]
    public void Without_the_neighbours_only_rule_a_death_notice_from_anyone_is_probed_as_before()
    {
        var network = new FakeNetwork(seed: 16);
        (PastryNode node, FakeNodeContext context, _) = Joined(network, peers: 40);
        PeerHandle subject = node.RightLeaves()[1];
        node.Receive(network.AddRandom(), new Message { Kind = MessageKind.NodeFailed, Peers = [subject] });
        Assert.Equal([subject], context.Drain().Select(p => p.To));
        Assert.Equal(0, node.IgnoredFailureNotices);
    }
}
