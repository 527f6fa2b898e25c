using Totoro.Core.Planning;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Planning;

public class PlanningTreeTests
{
    [Fact]
    public void RoundTimeWaitsForTheSlowestChainDownAndUp()
    {
        // 0 ─ 1 ─ 3        down flows 0..3, up flows 4..7 (member k: down k-1, up k+3)
        //   └ 2 ─ 4
        var tree = new PlanningTree([10, 11, 12, 13, 14], [-1, 0, 0, 1, 2], [-1, 0, 1, 2, 3], [-1, 4, 5, 6, 7]);
        double[] d = [1, 5, 2, 1, 4, 1, 3, 1];

        // Hand-worked: arrivals 1:1, 2:5, 3:3, 4:6. Ready 3 = 3, 4 = 6; 1 = max(1, 3 + 3) = 6; 2 = max(5, 6 + 1) = 7;
        // master = max(6 + 4, 7 + 1) = 10.
        Assert.Equal(10, tree.RoundTime(d));
    }

    [Fact]
    public void AStarRoundIsItsSlowestWorker()
    {
        var star = new PlanningTree([0, 1, 2, 3], [-1, 0, 0, 0], [-1, -1, -1, -1], [-1, 0, 1, 2]);
        Assert.Equal(7, star.RoundTime([3, 7, 2]));
    }

    [Fact]
    public void AParentMustComeBeforeItsChild()
    {
        var e = Assert.Throws<ArgumentException>(() => new PlanningTree([0, 1, 2], [-1, 2, 0], [-1, -1, -1], [-1, 0, 1]));
        Assert.Contains("earlier member", e.Message);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(true, 3)]
    public void WorkloadFlowsFollowTheTreeEdges(bool trees, int fanout)
    {
        var config = new PlanningSimConfig(Seed: 3, Planner: "game", Apps: 4, FlowsPerApp: 7, Trees: trees, Fanout: fanout);
        ulong rng = 42;
        FlowGraph graph = PlanningGraphBuilder.Build(config.Nodes, ref rng);
        var workload = PlanningWorkload.Build(config, graph, ref rng);

        Assert.Equal(config.Apps, workload.Trees.Count);
        Assert.Equal(config.Apps * config.FlowsPerApp * (trees ? 2 : 1), workload.Flows.Count);
        Assert.Equal(workload.Flows.Count, workload.Strategies.Count);
        foreach (PlanningTree tree in workload.Trees)
        {
            Assert.Equal(config.FlowsPerApp + 1, tree.Members.Distinct().Count());
            for (int k = 1; k < tree.Members.Count; k++)
            {
                int parent = tree.Members[tree.Parents[k]];
                Assert.Equal(trees ? (k - 1) / fanout : 0, tree.Parents[k]);
                Assert.Equal(new PlanFlow(tree.Members[k], parent, config.FlowBytes), workload.Flows[tree.UpFlows[k]]);
                if (trees)
                    Assert.Equal(new PlanFlow(parent, tree.Members[k], config.FlowBytes), workload.Flows[tree.DownFlows[k]]);
                else
                    Assert.Equal(-1, tree.DownFlows[k]);
            }
        }

        // Every candidate path really joins its flow's ends.
        for (int i = 0; i < workload.Flows.Count; i++)
        {
            foreach (PlanPath path in workload.Strategies[i])
            {
                Assert.Equal(workload.Flows[i].Source, graph.Links[path.Links[0]].From);
                Assert.Equal(workload.Flows[i].Destination, graph.Links[path.Links[^1]].To);
            }
        }
    }
}
