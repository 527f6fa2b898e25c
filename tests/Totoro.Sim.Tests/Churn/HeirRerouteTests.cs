using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class HeirRerouteTests
{
    [Fact]
    public void Joins_waiting_on_a_dead_root_are_taken_by_the_heir_as_soon_as_the_root_is_declared_dead()
    {
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 4, SubscribersPerApp = 30, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        forest.Run();
        TreeInfo Tree(ForestScenario.AppRun a, int i) => forest.Node(i).TryGetTree(a.Id, out TreeInfo t) ? t : default;

        // An app whose root's heir (the live node closest to the app once the root is gone) is one of its children.
        ForestScenario.AppRun app = forest.Apps.First(a =>
        {
            int heir = Heir(forest, a);
            return Tree(a, heir).Parent.Index == a.Root && Tree(a, a.Root).Children.Length >= 3;
        });
        int root = app.Root;
        int heir = Heir(forest, app);
        int[] orphans = [.. Tree(app, root).Children.Select(c => c.Index).Where(c => c != heir)];
        forest.World.Kill(root);

        long start = forest.World.Now, tookOver = -1, allBack = -1;
        while (allBack < 0 && forest.World.Now < start + 30_000_000)
        {
            forest.World.RunUntil(forest.World.Now + 10_000);
            if (tookOver < 0 && forest.Node(heir).IsRootOf(app.Id))
                tookOver = forest.World.Now;
            if (tookOver >= 0 && orphans.All(o => Attached(forest, app, heir, o)))
                allBack = forest.World.Now;
        }

        // The other children's JOINs reached the heir while it was itself cut off, and it passed them on to the only
        // way it knew, the dead root, re-sending every hop-ack timeout. When its probe ruled the root dead, it became
        // the root and the waiting JOINs were routed on at once (to itself) instead of at their next re-send.
        Assert.True(tookOver > 0);
        Assert.True(allBack > 0);
        Assert.InRange(allBack - tookOver, 0, 200_000);
    }

    /// <summary>The node closest to the app other than its root (brute force).</summary>
    private static int Heir(ForestScenario forest, ForestScenario.AppRun app)
    {
        int best = -1;
        for (int i = 0; i < forest.World.NodeCount; i++)
        {
            if (i != app.Root && (best < 0 || app.Id.IsCloser(forest.World.IdAt(i), forest.World.IdAt(best))))
                best = i;
        }

        return best;
    }

    private static bool Attached(ForestScenario forest, ForestScenario.AppRun app, int root, int node)
    {
        for (int at = node, steps = 0; steps < 50; steps++)
        {
            if (at == root)
                return true;
            if (!forest.Node(at).TryGetTree(app.Id, out TreeInfo t) || t.Parent.IsNone)
                return false;
            if (!forest.Node(t.Parent.Index).TryGetTree(app.Id, out TreeInfo p) || !p.Children.Contains(new PeerHandle(at)))
                return false;
            at = t.Parent.Index;
        }

        return false;
    }
}
