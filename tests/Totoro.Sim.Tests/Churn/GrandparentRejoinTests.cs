using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class GrandparentRejoinTests
{
    [Fact]
    public void An_orphan_re_joins_through_its_grandparent_in_one_hop_and_the_grandparent_drops_the_dead_parent()
    {
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 1, SubscribersPerApp = 30, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        forest.Run();
        ForestScenario.AppRun app = forest.Apps.Single();
        forest.World.RunUntil(forest.World.Now + 4_000_000); // a heartbeat or two: every child has heard of its grandparent
        TreeInfo Tree(int i) => forest.Node(i).TryGetTree(app.Id, out TreeInfo t) ? t : default;

        // A grandchild O of the root through a parent P that is not the root; P crashes.
        int o = Enumerable.Range(0, 300).First(i =>
            !Tree(i).Parent.IsNone && Tree(i).Parent.Index != app.Root && Tree(Tree(i).Parent.Index).Parent.Index == app.Root);
        int p = Tree(o).Parent.Index;
        var joinsFromO = new List<int>();
        forest.World.OnSend = (int from, int to, in Message m) =>
        {
            if (from == o && m.Kind == TreeKind.Join)
                joinsFromO.Add(to);
        };
        forest.World.Kill(p);
        forest.World.RunUntil(forest.World.Now + 10_000_000);

        // O's only JOIN went straight to the root, its grandparent, which took it (itself or a child of its own).
        Assert.Equal([app.Root], joinsFromO);
        Assert.True(forest.World.IsAlive(Tree(o).Parent.Index));
        int at = o;
        for (int steps = 0; at != app.Root && steps < 50; steps++)
        {
            int parent = Tree(at).Parent.Index;
            Assert.Contains(new PeerHandle(at), Tree(parent).Children);
            at = parent;
        }

        Assert.Equal(app.Root, at); // reachable from the root over links both ends agree on

        // O named P as silent: the root probed its child P and dropped it, instead of keeping a dead child in a slot.
        Assert.DoesNotContain(new PeerHandle(p), Tree(app.Root).Children);
    }
}
