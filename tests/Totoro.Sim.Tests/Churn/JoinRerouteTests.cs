using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class JoinRerouteTests
{
    [Fact]
    public void A_join_skips_a_hop_the_overlay_is_probing_but_still_makes_progress_towards_the_app()
    {
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 1, SubscribersPerApp = 30, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        forest.Run();
        ForestScenario.AppRun app = forest.Apps.Single();

        // A node far from the app whose next hop towards it is a routing-table entry (not the root itself).
        int node = Enumerable.Range(0, 300).First(i => i != app.Root && !forest.Node(i).Overlay.NextHop(app.Id).IsNone && forest.Node(i).Overlay.NextHop(app.Id).Index != app.Root);
        PastryNode overlay = forest.Node(node).Overlay;
        PeerHandle first = overlay.NextHop(app.Id);
        Assert.Equal(first, overlay.NextLiveHop(app.Id, PeerHandle.None, RouteScope.Global)); // nothing doubted: the same hop

        forest.World.Kill(first.Index);
        forest.World.Enter(node);
        overlay.ReportUnresponsive(first); // the probe is under way: the hop is doubted but still in the tables
        Assert.True(overlay.Doubts(first));

        PeerHandle next = overlay.NextLiveHop(app.Id, PeerHandle.None, RouteScope.Global);
        Assert.NotEqual(first, next);
        Assert.False(next.IsNone);
        NodeId self = overlay.Id, via = forest.World.IdOf(next);
        Assert.True(via.SharedPrefixDigits(app.Id, 4) > self.SharedPrefixDigits(app.Id, 4) || app.Id.IsCloser(via, self)); // progress, as Pastry requires
    }

    [Fact]
    public void A_join_whose_first_hop_died_unnoticed_is_routed_around_after_the_hop_ack_not_the_join_timeout()
    {
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 1, SubscribersPerApp = 30, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        forest.Run();
        ForestScenario.AppRun app = forest.Apps.Single();

        // A node outside the tree whose next hop towards the app is a routing-table entry, also outside the tree (so
        // the JOIN must pass through it), which crashes without anyone noticing before the node subscribes.
        int node = Enumerable.Range(0, 300).First(i =>
        {
            PeerHandle hop = forest.Node(i).Overlay.NextHop(app.Id);
            return i != app.Root && !forest.Node(i).TryGetTree(app.Id, out _) && !hop.IsNone && hop.Index != app.Root && !forest.Node(hop.Index).TryGetTree(app.Id, out _);
        });
        ForestNode joiner = forest.Node(node);
        PeerHandle first = joiner.Overlay.NextHop(app.Id);
        forest.World.Kill(first.Index);
        Assert.False(joiner.Overlay.Doubts(first));

        forest.World.Enter(node);
        forest.Discover(node, app.Descriptor); // as the advertise–discover tree would tell it
        joiner.Subscribe(app.Id);
        forest.World.RunUntil(forest.World.Now + 2_500_000); // before the 3 s join timeout could have fired

        Assert.True(joiner.TryGetTree(app.Id, out TreeInfo tree));
        Assert.False(tree.Parent.IsNone); // attached, through a live hop
        Assert.NotEqual(first, tree.Parent);
        Assert.True(forest.World.IsAlive(tree.Parent.Index));
        Assert.Equal(1, joiner.JoinHopsSilent);
        Assert.Equal(0, joiner.JoinTimeouts);
    }
}
