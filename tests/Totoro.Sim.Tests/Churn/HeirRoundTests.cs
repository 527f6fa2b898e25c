using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class HeirRoundTests
{
    [Fact]
    public void A_root_that_took_over_without_a_replica_broadcasts_above_the_round_its_subscribers_have_seen()
    {
        // No replicas: whoever ends up closest to the app becomes its root knowing nothing of the rounds so far.
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 6, SubscribersPerApp = 30, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") with { Replicas = 0 } });
        var deliveries = new Deliveries(forest.World);
        forest.Observer = deliveries;
        forest.Run(); // one round on every tree
        TreeInfo Tree(ForestScenario.AppRun a, int i) => forest.Node(i).TryGetTree(a.Id, out TreeInfo t) ? t : default;

        // An app whose heir (the node closest to it once the root is gone) was not in its tree: its round is 0.
        ForestScenario.AppRun app = forest.Apps.First(a => Tree(a, Heir(forest, a)).Round == 0);
        int heir = Heir(forest, app);
        forest.World.Kill(app.Root);
        forest.World.RunUntil(forest.World.Now + 30_000_000);
        Assert.True(forest.Node(heir).IsRootOf(app.Id));

        forest.World.Enter(heir);
        int round = forest.Node(heir).Broadcast(app.Id, Payload.SizeOnly(1024, 1));
        forest.World.RunUntil(forest.World.Now + 5_000_000);

        // The subscribers' JOINs told the new root how far the tree had got, so its round is new to them and reaches
        // every live one; a root starting again from round 1 would have its broadcast dropped as a repeat.
        Assert.True(round > 1);
        int[] live = [.. app.Subscribers.Where(forest.World.IsAlive)];
        Assert.All(live, s => Assert.Contains((s, app.Id, round), deliveries.Seen));
    }

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

    private sealed class Deliveries(Kernel.SimWorld world) : IForestApp
    {
        public HashSet<(int Node, NodeId App, int Round)> Seen { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload) => Seen.Add((world.Current, app, round));

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
        }
    }
}
