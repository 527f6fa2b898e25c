using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Planning;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

/// <summary>
/// Rounds while children move (docs/planning.md I.8): the game planner moves children to cheaper parents every plan
/// period, and every worker's update must still reach the root once a round. Before the fix, rounds closed short in
/// the moves' wake: a whole model's mover was routed the next round down its old path by the participant routers
/// above it (its new parent's subtree had no participant placed at it), where its old parent no longer took it; a
/// chunked model's mover moved while its update's chunks were still queued for its old parent, whose LEAVE made that
/// parent stop waiting for them. Same seed, same run: each case failed on the old code (1–11 updates missing).
/// </summary>
public class MovesScenarioTests
{
    /// <summary>A small net like the real-mode test's: every worker every round, quick devices, a fifth of the nodes 10× slower, a 1.5 s plan period.</summary>
    private static LearningSection Train(ulong seed, int nodes, int apps, int workers, string dataset)
    {
        var spec = new AppSpec { Workers = workers, ClientsPerRound = 0, Model = "mlp", HiddenUnits = 256, Dataset = dataset, Rounds = 24 };
        var scenario = new FederatedScenario(
            new OverlaySimConfig { Nodes = nodes, Lookups = 0, Seed = seed, Pastry = new PastryOptions { LeafSetSize = 4 }, Network = new NetworkOptions { SlowFraction = 0.2 } },
            new ForestSimConfig { Apps = apps, SubscribersPerApp = workers, Planning = new PlanningOptions { Planner = "game", DecisionPeriodMicros = 1_500_000 } },
            new LearningSimConfig { Template = spec, Apps = apps, Train = "timing", DeviceGflops = (200, 400) });
        return scenario.RunReport().Learning!;
    }

    /// <summary>Every worker is asked every round (a round that missed some would have fewer participants next) and answers.</summary>
    private static void AssertNoRoundClosedShort(LearningSection learning, int workers)
    {
        foreach (var app in learning.PerApp)
        {
            Assert.Equal(24, app.History.Count);
            foreach (RoundRecord round in app.History)
            {
                Assert.True(round.Participants == workers, $"{app.App} round {round.Round}: {round.Participants} of {workers} workers asked");
                Assert.True(round.Contributions == round.Participants, $"{app.App} round {round.Round}: {round.Contributions} of {round.Participants} updates");
            }
        }
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(10UL)]
    public void Every_round_has_every_update_while_children_move_with_a_whole_model(ulong seed)
    {
        // The synthetic dataset's mlp (72.7 kB) travels whole, as in the real-mode test.
        LearningSection learning = Train(seed, nodes: 40, apps: 1, workers: 30, dataset: "synthetic");
        AssertNoRoundClosedShort(learning, workers: 30);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void Every_round_has_every_update_while_children_move_with_a_chunked_model(ulong seed)
    {
        // Fashion-MNIST's mlp (814 kB) travels in chunks, an update's last ones still queued when its sender moves.
        LearningSection learning = Train(seed, nodes: 200, apps: 3, workers: 40, dataset: "fashion-mnist");
        AssertNoRoundClosedShort(learning, workers: 40);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Every_round_asks_every_worker_while_many_apps_children_move(ulong seed)
    {
        // Many apps' trees over one net: a mover's old parent often gets the next round only after the mover left,
        // and the new parent's branch is not always in that round (it had no worker below it when the round began).
        LearningSection learning = Train(seed, nodes: 400, apps: 8, workers: 40, dataset: "synthetic");
        AssertNoRoundClosedShort(learning, workers: 40);
    }
}
