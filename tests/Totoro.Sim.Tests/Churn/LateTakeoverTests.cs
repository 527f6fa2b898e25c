using Totoro.Core.Overlay;
using Totoro.Sim.Churn;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class LateTakeoverTests
{
    [Fact]
    public void A_root_that_died_as_a_member_of_another_tree_hands_its_model_to_an_heir_that_became_root_holding_nothing()
    {
        // Seed 1 of the quick Fig. 12 form at 32 trees: one app's root dies as an ordinary member of another hit tree.
        // Its heir holds no replica and becomes root from the re-joins, numbered at round 1 by its joiners; the
        // replica of round 1 reaches it only after the holders' leases expire. Before the fix the heir refused a
        // replica no newer than its round, and the app's model was lost (modelsLost 1, no fail-over).
        var overlay = new OverlaySimConfig { Nodes = 4000, Lookups = 0, Seed = 1, Pastry = new PastryOptions().WithPaperFailureTimers() };
        var forest = new ForestSimConfig { Apps = 64, SubscribersPerApp = 40, Fanout = 8 };
        var churn = new ChurnSimConfig { FailFraction = 0.05, FailTrees = 32, Timers = "paper" };
        ChurnSection c = new FailureBurstScenario(overlay, forest, churn).Run().Churn!;

        Assert.True(c.RootFailovers >= 1, $"a root died, so some heir must take over ({c.RootFailovers} take-overs)");
        Assert.Equal(0, c.ModelsLost);
        Assert.Equal(c.TreesMeasured, c.TreesRecovered);
        Assert.Equal(c.RoundAfterRepairExpected, c.RoundAfterRepairDelivered);
    }
}
