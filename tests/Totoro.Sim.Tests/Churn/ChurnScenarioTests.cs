using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Churn;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class ChurnScenarioTests
{
    private static OverlaySimConfig Overlay(int nodes, int lookups, ulong seed, bool paper = false) => new()
    {
        Nodes = nodes,
        Lookups = lookups,
        Seed = seed,
        Pastry = paper ? new PastryOptions().WithPaperFailureTimers() : new PastryOptions().WithFreePastryTimers(),
    };

    [Fact]
    public void Under_churn_lookups_reach_the_live_oracles_node_and_leaf_sets_match_it_again_once_churn_stops()
    {
        var churn = new ChurnSimConfig { Sessions = new ExponentialDistribution(600), DurationSeconds = 300, LeaveFraction = 0.3 };
        var scenario = new SessionChurnScenario(Overlay(300, 600, 5), churn);
        SimReport report = scenario.Run();
        ChurnSection c = report.Churn!;

        Assert.True(c.Departures > 60, $"churn must happen: {c.Departures} departures"); // ≈ 300 · 300 / 600 = 150
        Assert.True(c.GracefulLeaves > 0 && c.GracefulLeaves < c.Departures);
        Assert.Equal(c.Departures, c.Rejoins);
        Assert.Equal(600, c.LookupsIssued);
        Assert.True(c.LookupSuccessRate >= 0.99, $"lookup success {c.LookupSuccessRate}");
        // Every live node has joined again, and after quiet periods every leaf set is the oracle's exactly.
        Assert.Equal(300, c.LiveNodesAfterSettle);
        Assert.Equal(300, c.LeafSetsExactAfterSettle);
    }

    [Fact]
    public void The_same_seed_gives_the_same_churn_run()
    {
        var churn = new ChurnSimConfig { Sessions = new WeibullDistribution(300), DurationSeconds = 120 };
        ChurnSection a = new SessionChurnScenario(Overlay(200, 200, 8), churn).Run().Churn!;
        ChurnSection b = new SessionChurnScenario(Overlay(200, 200, 8), churn).Run().Churn!;
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_replayed_trace_drives_departures_and_joins()
    {
        var trace = new List<ChurnEvent>();
        for (int n = 0; n < 20; n++)
        {
            trace.Add(new ChurnEvent(5 + n, n, n % 2 == 0 ? ChurnEventKind.Fail : ChurnEventKind.Leave));
            trace.Add(new ChurnEvent(60 + n, n, ChurnEventKind.Join));
        }

        trace.Sort((x, y) => x.TimeSeconds.CompareTo(y.TimeSeconds));
        var churn = new ChurnSimConfig { Trace = trace, TraceName = "t", DurationSeconds = 150 };
        ChurnSection c = new SessionChurnScenario(Overlay(200, 200, 9), churn).Run().Churn!;
        Assert.Equal(20, c.Departures);
        Assert.Equal(10, c.GracefulLeaves);
        Assert.Equal(20, c.Rejoins);
        Assert.Equal(200, c.LiveNodesAtEnd);
        Assert.Equal(200, c.LookupsCorrect);
    }

    [Fact]
    public void A_dead_root_hands_its_app_to_the_next_closest_node_with_the_replicated_round()
    {
        var forest = new ForestScenario(Overlay(400, 0, 13, paper: true), new ForestSimConfig { Apps = 1, SubscribersPerApp = 60, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        var recorder = new TakeoverRecorder(forest);
        forest.Observer = recorder;
        forest.Run();
        ForestScenario.AppRun app = forest.Apps.Single();
        Assert.True(forest.Node(app.Root).TryGetTree(app.Id, out TreeInfo before));
        Assert.True(before.Round >= 1);

        forest.World.Kill(app.Root);
        forest.Overlay.RefreshOracle();
        int heir = forest.Overlay.Oracle.Closest(app.Id); // the next closest live node
        forest.World.RunUntil(forest.World.Now + 60_000_000);

        (int node, int round, Payload? checkpoint) = Assert.Single(recorder.Takeovers);
        Assert.Equal(heir, node);
        Assert.Equal(before.Round, round);
        Assert.NotNull(checkpoint);
        Assert.Equal(160 * 1024, checkpoint.Bytes); // the model the root broadcast and replicated
        Assert.True(forest.Node(heir).IsRootOf(app.Id));
        Assert.Equal(1, Enumerable.Range(0, 400).Count(i => forest.World.IsAlive(i) && forest.Node(i).IsRootOf(app.Id)));
    }

    [Fact]
    public void After_a_burst_every_hit_tree_heals_and_the_next_round_reaches_every_live_subscriber()
    {
        var churn = new ChurnSimConfig { FailFraction = 0.05, FailTrees = 4, FailRoots = true, Timers = "paper" };
        var scenario = new FailureBurstScenario(Overlay(600, 0, 17, paper: true), new ForestSimConfig { Apps = 4, SubscribersPerApp = 80 }, churn);
        ChurnSection c = scenario.Run().Churn!;

        Assert.Equal(4, c.TreesMeasured); // every root died, so every tree is measured
        Assert.Equal(c.TreesMeasured, c.TreesRecovered);
        Assert.Equal(4, c.RootFailovers);
        Assert.Equal(0, c.ModelsLost);
        Assert.Equal(0, c.RoundsLost);
        Assert.Equal(c.RoundAfterRepairExpected, c.RoundAfterRepairDelivered);
        Assert.True(c.MeanRecoveryMs > 0);
    }

    private sealed class TakeoverRecorder(ForestScenario forest) : IForestApp
    {
        public List<(int Node, int Round, Payload? Checkpoint)> Takeovers { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
        {
        }

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
        }

        public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint) => Takeovers.Add((forest.World.Current, round, checkpoint));
    }
}
