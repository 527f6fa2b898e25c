using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A planning child that joined its parent before the parent had a parent of its own (the join ack named no
/// grandparent, and no keep-alive comes while rounds go down) learns its grandparent from its parent's probe answer,
/// so it weighs a candidate above its parent; in NetnsPlanningTests such a child weighed only its siblings and stayed
/// under the impaired host's node all run long (results/netns-planning/runs-gap.txt).
/// </summary>
public class GrandparentTests
{
    private readonly FakeNetwork _network = new(seed: 53);
    private readonly NodeId _appId = NodeId.FromRandom(0x6a4d_0000_0000_0000, 13);

    [Fact]
    public void A_child_learns_its_grandparent_from_its_parents_probe_answer()
    {
        (ForestNode node, FakeNodeContext context, _, PeerHandle parent, _) = TreeSeat.Worker(_network, _appId);
        node.UsePlanning(new PlanningOptions { Planner = "game" });
        PeerHandle grandparent = _network.AddRandom();
        Assert.True(node.TryGetTree(_appId, out TreeInfo before) && before.Grandparent.IsNone); // the ack named none

        // Another node's answer names its own parent: not this node's grandparent.
        node.Receive(_network.AddRandom(), PlanMessages.ProbeReply(_appId, context.Now, depth: 1, children: null, default, parent: grandparent));
        Assert.True(node.TryGetTree(_appId, out TreeInfo stranger) && stranger.Grandparent.IsNone);

        node.Receive(parent, PlanMessages.ProbeReply(_appId, context.Now, depth: 1, children: null, default, parent: grandparent));
        Assert.True(node.TryGetTree(_appId, out TreeInfo after));
        Assert.Equal(grandparent, after.Grandparent);

        // The parent became a root (or moved): its next answer says so.
        node.Receive(parent, PlanMessages.ProbeReply(_appId, context.Now, depth: 0, children: null, default, parent: PeerHandle.None));
        Assert.True(node.TryGetTree(_appId, out TreeInfo rooted) && rooted.Grandparent.IsNone);
    }

    [Fact]
    public void The_answer_to_a_probe_names_the_answerers_parent()
    {
        (ForestNode node, FakeNodeContext context, _, PeerHandle parent, PeerHandle[] children) = TreeSeat.Worker(_network, _appId);
        node.Receive(children[0], PlanMessages.ProbeRequest(_appId, context.Now));
        Message reply = Assert.Single(context.Drain(), s => s.To == children[0] && s.Message.Kind == TreeKind.Plan).Message;
        Assert.Equal(parent, new PlanView(in reply).Parent);
    }

    [Fact]
    public void A_node_that_moves_tells_each_child_its_new_parent_once()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle self, PeerHandle parent, PeerHandle[] seated) = TreeSeat.Worker(_network, _appId);
        (ForestNode child, FakeNodeContext childContext, PeerHandle childHandle) = TreeSeat.ChildOf(_network, _appId, node, context, self);
        Assert.Equal(parent, Grandparent(child));

        PeerHandle newParent = _network.AddRandom();
        node.Receive(newParent, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: [_network.AddRandom()]));
        List<FakeNodeContext.Sent> sent = context.Drain();
        foreach (PeerHandle each in seated.Append(childHandle))
            Assert.Single(sent, s => s.To == each && s.Message.Kind == TreeKind.Heartbeat);
        Deliver(sent, self, child, childHandle);
        Assert.Equal(newParent, Grandparent(child));

        // The same parent's ack again (a JOIN sent twice) changes nothing: no heartbeat.
        node.Receive(newParent, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null));
        Assert.DoesNotContain(context.Drain(), s => s.Message.Kind == TreeKind.Heartbeat);
        Assert.Empty(childContext.Drain());
    }

    [Fact]
    public void A_node_that_rejoins_after_losing_its_parent_tells_its_children_the_new_one()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle self, PeerHandle parent, _) = TreeSeat.Worker(_network, _appId);
        (ForestNode child, _, PeerHandle childHandle) = TreeSeat.ChildOf(_network, _appId, node, context, self);

        node.Receive(parent, TreeMessages.Leave(_appId)); // the parent dropped it: detached, it re-joins
        Deliver(context.Drain(), self, child, childHandle);
        Assert.True(child.TryGetTree(_appId, out TreeInfo cut) && cut.Detached && cut.Grandparent.IsNone);

        PeerHandle newParent = _network.AddRandom();
        node.Receive(newParent, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null));
        Deliver(context.Drain(), self, child, childHandle);
        Assert.True(child.TryGetTree(_appId, out TreeInfo whole) && !whole.Detached);
        Assert.Equal(newParent, whole.Grandparent);
    }

    [Fact]
    public void A_detached_state_heartbeat_names_the_parent_and_leaves_the_childs_grandparent()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle self, PeerHandle parent, _) = TreeSeat.Worker(_network, _appId);
        (ForestNode child, _, PeerHandle childHandle) = TreeSeat.ChildOf(_network, _appId, node, context, self);

        // The parent's own parent is lost: the node (still under its parent) is cut off, and so is the child.
        node.Receive(parent, TreeMessages.Heartbeat(_appId, round: 0, detached: true, parents: null));
        Deliver(context.Drain(), self, child, childHandle);
        Assert.True(child.TryGetTree(_appId, out TreeInfo cut) && cut.Detached);
        Assert.Equal(parent, cut.Grandparent);

        node.Receive(parent, TreeMessages.Heartbeat(_appId, round: 0, detached: false, parents: [_network.AddRandom()]));
        Deliver(context.Drain(), self, child, childHandle);
        Assert.True(child.TryGetTree(_appId, out TreeInfo whole) && !whole.Detached);
        Assert.Equal(parent, whole.Grandparent);
    }

    [Fact]
    public void A_node_that_becomes_the_root_tells_its_children_they_have_no_grandparent()
    {
        // A leaf-set neighbour of the root, attached under another node, holds the root's replica; the root leaves
        // and it is now the closest live node to the app: it becomes the root without ever being cut off.
        PeerHandle self = _network.Add(new NodeId(_appId.Value - 1000));
        (ForestNode node, FakeNodeContext context) = TreeSeat.Alone(_network, self);
        PeerHandle root = _network.Add(new NodeId(_appId.Value + 1));
        PeerHandle parent = _network.AddRandom();
        TreeSeat.AsWorker(node, context, _network, _appId, [root, parent], parent);
        (ForestNode child, _, PeerHandle childHandle) = TreeSeat.ChildOf(_network, _appId, node, context, self);
        Assert.Equal(parent, Grandparent(child));

        node.Receive(root, TreeMessages.Replica(_appId, round: 3, ReplicaEnvelope.Seal(Payload.FromVector([1f]), AppDescriptor.Default(_appId, "seated", 8).Encode()), members: null));
        node.Receive(root, new Message { Kind = MessageKind.Leave });
        Assert.True(node.TryGetTree(_appId, out TreeInfo rooted) && rooted.IsRoot);
        Deliver(context.Drain(), self, child, childHandle);
        Assert.True(child.TryGetTree(_appId, out TreeInfo after) && after.Parent == self);
        Assert.True(after.Grandparent.IsNone);
    }

    private PeerHandle Grandparent(ForestNode node)
        => node.TryGetTree(_appId, out TreeInfo tree) ? tree.Grandparent : throw new InvalidOperationException("not in the tree");

    /// <summary>Hands <paramref name="to"/> what <paramref name="from"/> sent it.</summary>
    private static void Deliver(List<FakeNodeContext.Sent> sent, PeerHandle from, ForestNode to, PeerHandle toHandle)
    {
        foreach (FakeNodeContext.Sent s in sent)
        {
            if (s.To == toHandle)
                to.Receive(from, s.Message);
        }
    }
}
