using Totoro.Core.Forest;
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
}
