using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class PushDownAckTests
{
    [Fact]
    public void A_joiner_pushed_down_to_a_child_that_died_unnoticed_is_adopted_anyway()
    {
        // Fanout 1: the root keeps one child and pushes every shorter joiner down to it.
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 1, SubscribersPerApp = 6, Fanout = 1, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        forest.Run();
        ForestScenario.AppRun app = forest.Apps.Single();
        ForestNode root = forest.Node(app.Root);
        Assert.True(root.TryGetTree(app.Id, out TreeInfo rootTree));
        PeerHandle child = Assert.Single(rootTree.Children);
        Assert.True(forest.Node(child.Index).TryGetTree(app.Id, out TreeInfo childTree) && childTree.Children.Length > 0); // taller than a fresh joiner

        // A node outside the tree whose JOIN goes straight to the root; the root's only child crashes, unnoticed.
        int node = Enumerable.Range(0, 300).First(i =>
            i != app.Root && i != child.Index && !forest.Node(i).TryGetTree(app.Id, out _) && forest.Node(i).Overlay.NextHop(app.Id).Index == app.Root);
        forest.World.Kill(child.Index);
        Assert.False(root.Overlay.Doubts(child));

        ForestNode joiner = forest.Node(node);
        forest.World.Enter(node);
        forest.Discover(node, app.Descriptor); // as the advertise–discover tree would tell it
        joiner.Subscribe(app.Id);
        long start = forest.World.Now;
        long attached = -1;
        while (attached < 0 && forest.World.Now < start + 15_000_000)
        {
            forest.World.RunUntil(forest.World.Now + 100_000);
            if (Reachable(forest, app, node))
                attached = forest.World.Now - start;
        }

        // The push-downs into the dead child went unacked, so the root took the joiner back each time, and adopted it
        // itself once its probe ruled the child dead (≈ 4 s). Without the ack the joiner is lost in the dead child on
        // every retry, and is still detached after 15 s.
        Assert.True(root.PushDownsSilent >= 1);
        Assert.InRange(attached, 1, 6_000_000);
        Assert.True(root.TryGetTree(app.Id, out rootTree));
        Assert.DoesNotContain(child, rootTree.Children);
    }

    /// <summary>The node hangs off the root through parent–child links both ends agree on (the recovery oracle).</summary>
    private static bool Reachable(ForestScenario forest, ForestScenario.AppRun app, int node)
    {
        for (int at = node, steps = 0; steps < 300; steps++)
        {
            if (at == app.Root)
                return true;
            if (!forest.Node(at).TryGetTree(app.Id, out TreeInfo tree) || tree.Parent.IsNone || !forest.World.IsAlive(tree.Parent.Index))
                return false;
            if (!forest.Node(tree.Parent.Index).TryGetTree(app.Id, out TreeInfo parent) || !parent.Children.Contains(new PeerHandle(at)))
                return false;
            at = tree.Parent.Index;
        }

        return false;
    }
}
