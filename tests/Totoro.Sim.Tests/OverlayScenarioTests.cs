using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

public class OverlayScenarioTests
{
    [Theory]
    [InlineData(3, 300)]
    [InlineData(3, 1500)]
    [InlineData(4, 300)]
    [InlineData(4, 3000)]
    [InlineData(5, 300)]
    [InlineData(5, 1500)]
    public void Every_lookup_reaches_the_oracles_node_and_every_leaf_set_is_the_oracles(int b, int nodes)
    {
        var config = new OverlaySimConfig { Nodes = nodes, Lookups = 1500, Seed = (ulong)(b * 1000 + nodes), Pastry = new PastryOptions { B = b } };
        SimReport report = new OverlayScenario(config).Run();

        Assert.Equal(nodes, report.Overlay.JoinedNodes);
        Assert.Equal(nodes, report.Overlay.LeafSetsExact);
        Assert.Equal(1500, report.Overlay.Lookups);
        Assert.Equal(1500, report.Overlay.Delivered);
        Assert.Equal(1500, report.Overlay.Correct);
        // Prefix routing: at most about log_{2^b} N hops; the mean sits at or under the bound.
        Assert.True(report.Overlay.MeanHops <= report.Overlay.LogBaseN + 0.5, $"mean hops {report.Overlay.MeanHops} vs log N {report.Overlay.LogBaseN}");
    }

    [Fact]
    public void A_tiny_overlay_smaller_than_the_leaf_set_knows_everyone()
    {
        var config = new OverlaySimConfig { Nodes = 7, Lookups = 200, Seed = 5 };
        SimReport report = new OverlayScenario(config).Run();
        Assert.Equal(7, report.Overlay.LeafSetsExact);
        Assert.Equal(200, report.Overlay.Correct);
        Assert.True(report.Overlay.MaxHops <= 1);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_does_not()
    {
        var config = new OverlaySimConfig { Nodes = 800, Lookups = 500, Seed = 11 };
        SimReport first = new OverlayScenario(config).Run();
        SimReport second = new OverlayScenario(config).Run();
        SimReport other = new OverlayScenario(config with { Seed = 12 }).Run();

        Assert.Equal(first.Overlay, second.Overlay);
        Assert.Equal(first.Network, second.Network);
        Assert.Equal(first.Run.Events, second.Run.Events);
        Assert.Equal(first.Run.SimulatedSeconds, second.Run.SimulatedSeconds);
        Assert.NotEqual(first.Network, other.Network);
    }

    [Fact]
    public void Nodes_that_stop_answering_are_dropped_and_replaced_in_every_leaf_set()
    {
        var config = new OverlaySimConfig { Nodes = 600, Lookups = 0, Seed = 21 };
        var scenario = new OverlayScenario(config);
        scenario.BuildOverlay();
        scenario.Settle(2);
        Assert.Equal(600, scenario.CountExactLeafSets());

        // Crash a run of 3 adjacent nodes and 5 scattered ones.
        var victims = new HashSet<int>();
        NodeIdOrder(scenario, out int[] byId);
        for (int i = 0; i < 3; i++)
            victims.Add(byId[100 + i]);
        foreach (int i in new[] { 7, 222, 333, 444, 555 })
            victims.Add(byId[i]);
        foreach (int v in victims)
            scenario.World.Kill(v);

        // A lease (30 s) plus a ping period (20 s) plus probes: three periods are enough to notice and repair.
        scenario.Settle(4);
        Assert.Equal(600 - victims.Count, scenario.Oracle.Count);
        Assert.Equal(600 - victims.Count, scenario.CountExactLeafSets());
    }

    [Fact]
    public void Without_relayed_notices_or_rotating_probes_a_death_still_leaves_every_leaf_set_on_both_sides()
    {
        // FreePastry's timers with the notice cascade off and no rotating probes: only first-hand detectors and the
        // dead node's two immediate neighbours announce. One neighbour's leaf set misses the member L/2 away on the
        // other side, so unless the other neighbour announces too, that member keeps the dead node for ever.
        var config = new OverlaySimConfig { Nodes = 400, Lookups = 0, Seed = 23, Pastry = new PastryOptions().WithFreePastryTimers() with { LeafProbesPerPeriod = 0 } };
        var scenario = new OverlayScenario(config);
        scenario.BuildOverlay();
        scenario.Settle(2);
        Assert.Equal(400, scenario.CountExactLeafSets());

        NodeIdOrder(scenario, out int[] byId);
        int[] victims = [byId[50], byId[150], byId[250], byId[350]];
        foreach (int v in victims)
            scenario.World.Kill(v);

        scenario.Settle(4);
        for (int i = 0; i < 400; i++)
        {
            if (victims.Contains(i))
                continue;
            foreach (int v in victims)
                Assert.False(scenario.Node(i)!.KnowsOf(new PeerHandle(v)), $"node {i} still holds dead node {v}");
        }

        Assert.Equal(400 - victims.Length, scenario.CountExactLeafSets());
    }

    private static void NodeIdOrder(OverlayScenario scenario, out int[] byId)
    {
        byId = Enumerable.Range(0, scenario.World.NodeCount).OrderBy(i => scenario.World.IdAt(i)).ToArray();
    }
}
