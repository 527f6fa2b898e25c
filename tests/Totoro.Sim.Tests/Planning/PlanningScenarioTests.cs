using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Sim.Tests.Planning;

public class PlanningScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public void SameSeedSameReport()
    {
        var config = new PlanningSimConfig(Seed: 5, Planner: "game", Packets: 100);
        Assert.Equal(PlanningScenario.Run(config), PlanningScenario.Run(config));
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
