using Totoro.Core.Learning;
using Totoro.Core.Planning;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Planning;

/// <summary>The planners on the forest's own flows: a small training run on a network where a fifth of the nodes are slow.</summary>
public class LivePlanningTests
{
    private static (SimReport Report, FederatedScenario Scenario) Run(string? planner, ulong seed = 1, double slow = 0.2)
    {
        var spec = new AppSpec { Workers = 30, ClientsPerRound = 0, Model = "mlp", LocalEpochs = 1, Rounds = 12 };
        var scenario = new FederatedScenario(
            new OverlaySimConfig { Nodes = 400, Lookups = 0, Seed = seed, Network = new NetworkOptions { SlowFraction = slow } },
            new ForestSimConfig { SubscribersPerApp = 30, Planning = planner is null ? null : new PlanningOptions { Planner = planner, DecisionPeriodMicros = 5_000_000 } },
            new LearningSimConfig { Template = spec, Apps = 4, Train = "timing" });
        return (scenario.RunReport(), scenario);
    }

    [Fact]
    public void ALivePlanningRunIsTheSameForTheSameSeed()
    {
        (SimReport first, _) = Run("game", seed: 3);
        (SimReport second, _) = Run("game", seed: 3);
        Assert.True(first.LivePlanning!.Moves > 0, "the game planner moved some flows");
        Assert.Equal(first.LivePlanning, second.LivePlanning! with { RoundSeconds = first.LivePlanning.RoundSeconds });
        Assert.Equal(first.LivePlanning.RoundSeconds, second.LivePlanning.RoundSeconds);
        Assert.Equal(first.Learning!.PerApp.Select(a => a.TotalSeconds), second.Learning!.PerApp.Select(a => a.TotalSeconds));
    }

    [Fact]
    public void StaticPlanningIsPlainScribe()
    {
        // --planner static must route exactly as no planner at all: the same rounds to the microsecond, no acks.
        (SimReport none, _) = Run(null);
        (SimReport plain, _) = Run("static");
        Assert.Equal(none.Learning!.PerApp.Select(a => a.TotalSeconds), plain.Learning!.PerApp.Select(a => a.TotalSeconds));
        Assert.Equal(none.Network, plain.Network);
        Assert.Equal(0, plain.LivePlanning!.Acks);
        Assert.Equal(0, plain.LivePlanning.Moves);
    }

    [Fact]
    public void TheGamesMovesLowerTheTruePotentialOnBalance()
    {
        // Scored by the oracle on the TRUE link parameters (the planners only ever saw their acks and load reports):
        // every move changes the weighted potential by its bytes times the mover's true cost change. The planners
        // decide on learned costs, so a move can be wrong; on balance they must lower the potential, and most must.
        (SimReport report, FederatedScenario scenario) = Run("game");
        var moves = scenario.PlanningAudit!.MoveCosts;
        Assert.NotEmpty(moves);
        double change = moves.Sum(m => m.After - m.Before);
        Assert.True(change < 0, $"the moves raised the flows' true cost by {change / 1e3:F0} ms in all");
        Assert.True(report.LivePlanning!.MovesLoweringPotential * 2 > moves.Count, $"{report.LivePlanning.MovesLoweringPotential} of {moves.Count} moves lowered the true potential");
    }

    [Fact]
    public void EveryMoveOnLiveFlowsLowersThePotentialOfTheGameItsMoverSaw()
    {
        // The game planner's costs are affine in each link's load with the same rate for every player, so the game a
        // node estimates has the weighted potential of docs/planning.md II.2, and a move lowers it by the mover's bytes
        // times its estimated cost change: it falls at every move exactly when every move gained more than ε on the
        // mover's own estimates. (On the TRUE costs it falls only on balance, as above: the estimates are not exact.)
        (_, FederatedScenario scenario) = Run("game");
        var moves = scenario.PlanningAudit!.MoveCosts;
        Assert.NotEmpty(moves);
        Assert.All(moves, m => Assert.True(m.Believed > 0.05, $"a move at {m.At} µs expected a gain of {m.Believed:F3}, not more than ε"));
    }

    [Fact]
    public void PlanningAroundSlowNodesShortensRounds()
    {
        double Round(string? planner) => Run(planner).Report.Learning!.MeanRoundSeconds;
        double plain = Round(null);
        double game = Round("game");
        Assert.True(game < plain, $"game {game:F3} s vs static {plain:F3} s");
    }
}
