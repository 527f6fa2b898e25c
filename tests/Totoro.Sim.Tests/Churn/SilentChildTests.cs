using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Sim.Tests.Churn;

public class SilentChildTests(ITestOutputHelper output)
{
    [Fact]
    public void A_dead_child_costs_two_rounds_at_the_deadline_and_no_more()
    {
        // Heartbeats go down, so nothing tells a parent its child died: without dropping a child that lets rounds
        // close unanswered, every later round would wait out the deadline for it.
        var spec = new AppSpec { Dataset = "synthetic", Partition = PartitionSpec.Natural, Workers = 40, ClientsPerRound = 40, Rounds = 14, RoundDeadlineMs = 3000 };
        var overlay = new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 5, Pastry = new PastryOptions().WithPaperFailureTimers() };
        var forest = new ForestSimConfig { SubscribersPerApp = spec.Workers, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") };
        var scenario = new FederatedScenario(overlay, forest, new LearningSimConfig { Template = spec });
        int killed = -1;
        scenario.Forest.World.OnSend = (int from, int to, in Message m) =>
        {
            // Round 4's model on its way to an interior node: that node dies before it can answer.
            if (killed >= 0 || m.Kind != TreeKind.Broadcast || m.Round != 4 || !scenario.Forest.Node(from).IsRootOf(m.Key))
                return;
            if (scenario.Forest.Node(to).TryGetTree(m.Key, out TreeInfo info) && info.Children.Length > 0)
            {
                killed = to;
                scenario.Forest.World.Kill(to);
            }
        };

        AppLearningReport app = Assert.Single(scenario.Run().PerApp);
        foreach (RoundRecord r in app.History)
            output.WriteLine($"round {r.Round}: {r.Contributions}/{r.Participants} in {r.RoundSeconds:F2} s");

        Assert.True(killed >= 0, "an interior node must have been killed");
        Assert.Equal(spec.Rounds, app.Rounds);
        Assert.All(app.History.Take(3), r => Assert.True(r.RoundSeconds < 1.5, $"round {r.Round} before the death took {r.RoundSeconds} s"));
        Assert.True(app.History[3].RoundSeconds > 2, "the round whose child died waits for the deadline");
        // The dead child's workers are left out while they back off (FederatedMaster.Silent); the one round that asks
        // them again waits once more, and the child is dropped: two rounds at the deadline in all, the rest fast.
        RoundRecord[] slow = [.. app.History.Skip(3).Where(r => r.RoundSeconds > 2)];
        Assert.Equal(2, slow.Length);
        Assert.All(app.History.Skip(3).Except(slow), r => Assert.True(r.RoundSeconds < 1.5, $"round {r.Round} still waits for the dead child: {r.RoundSeconds} s"));
        Assert.All(app.History.Skip(slow[1].Round), r => Assert.True(r.RoundSeconds < 1.5, $"round {r.Round} after the drop waits: {r.RoundSeconds} s"));
        Assert.True(Enumerable.Range(0, 300).Sum(i => scenario.Forest.Node(i).SilentChildrenDropped) >= 1);
    }
}
