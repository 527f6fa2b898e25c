using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class RepeatedTakeoverTests
{
    [Fact]
    public void A_second_take_over_resumes_the_round_under_way_and_skips_none()
    {
        // After a take-over the heir sends the redone round under a new tree round, so tree and master rounds part.
        // A second take-over must resume the master's round, not read the tree round as one (that skips a round).
        var spec = new AppSpec { Dataset = "synthetic", Partition = PartitionSpec.Natural, Workers = 20, ClientsPerRound = 20, Rounds = 10 };
        var overlay = new OverlaySimConfig { Nodes = 200, Lookups = 0, Seed = 4, Pastry = new PastryOptions().WithPaperFailureTimers() };
        var forest = new ForestSimConfig { SubscribersPerApp = spec.Workers, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") };
        var scenario = new FederatedScenario(overlay, forest, new LearningSimConfig { Template = spec });
        var killedIn = new HashSet<int>();
        scenario.Forest.World.OnSend = (int from, int to, in Message m) =>
        {
            if (m.Kind != TreeKind.Aggregate || !scenario.Forest.Node(to).IsRootOf(m.Key) || scenario.TreeApps.Count == 0)
                return;
            int round = (scenario.Ledger[scenario.TreeApps[0]]?.Master.CompletedRounds ?? 0) + 1;
            if (round is 4 or 7 && killedIn.Add(round))
                scenario.Forest.World.Kill(to); // mid-round 4, then the heir mid-round 7
        };

        LearningSection report = scenario.Run();

        LearningLedger.Entry app = scenario.Ledger[scenario.TreeApps[0]]!;
        Assert.Equal([4, 7], killedIn.Order());
        Assert.Equal(2, app.Takeovers);
        Assert.Equal(0, app.ModelsLost);
        Assert.Equal(0, app.RoundsLost);
        AppLearningReport result = Assert.Single(report.PerApp);
        Assert.Equal(Enumerable.Range(1, spec.Rounds), result.History.Select(r => r.Round));
    }
}
