using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Sim.Tests.Planning;

public class PlanningScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public void SameSeedSameReport()
    {
        var config = new PlanningSimConfig(Seed: 5, Planner: "game", Packets: 100);
        PlanningSection first = PlanningScenario.Run(config);
        PlanningSection second = PlanningScenario.Run(config);
        Assert.Equal(first with { RegretCurve = [] }, second with { RegretCurve = [] });
        Assert.Equal(first.RegretCurve, second.RegretCurve);
        Assert.Equal([10, 100], first.RegretCurve.Select(p => p.Packets));
    }

    [Fact]
    public void GameBeatsThePerFlowPlannersWhenFlowsShareLinks()
    {
        var runs = new Dictionary<string, PlanningSection>();
        foreach (string planner in Totoro.Core.Planning.PlannerKind.Names)
        {
            PlanningSection s = PlanningScenario.Run(new PlanningSimConfig(Seed: 1, Planner: planner, Packets: 1000));
            output.WriteLine(s.ToString());
            Assert.True(s.CumulativeLatencySeconds > 0);
            Assert.True(s.Regret >= 0);
            runs[planner] = s;
        }

        PlanningSection game = runs["game"];
        Assert.True(game.NashGap <= game.Epsilon, $"nash gap {game.NashGap}");
        foreach (string other in new[] { "static", "bandit", "e2e", "nexthop" })
        {
            Assert.True(game.CumulativeLatencySeconds < runs[other].CumulativeLatencySeconds, other);
            Assert.True(game.NashRegret < runs[other].NashRegret, other);
        }
    }
}
