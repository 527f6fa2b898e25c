using System.Text.Json.Nodes;

namespace Totoro.Cli.Tests;

public class PlanningCliTests
{
    [Theory]
    [InlineData("--planner", "dijkstra", "--planner")]
    [InlineData("--epsilon", "1.5", "--epsilon")]
    [InlineData("--epsilon", "-0.1", "--epsilon")]
    [InlineData("--packets", "0", "--packets")]
    [InlineData("--planning-apps", "0", "--planning-apps")]
    [InlineData("--planning-workers", "40", "--planning-workers")]
    public void BadPlanningValuesAreUsageErrorsNamingTheOption(string option, string value, string named)
    {
        string[] args = option == "--planner"
            ? ["sim", "--nodes", "50", "--lookups", "10", option, value]
            : ["sim", "--nodes", "50", "--lookups", "10", "--planner", "game", option, value];
        (int code, string stdout, string stderr) = TotoroProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(named, stderr);
    }

    [Fact]
    public void PlannerAddsAPlanningSection()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "10", "--planner", "game", "--epsilon", "0.05", "--packets", "200", "--json");
        Assert.True(code == 0, stderr);
        JsonNode planning = JsonNode.Parse(stdout)!["planning"]!;
        Assert.Equal("game", (string)planning["planner"]!);
        Assert.Equal(200, (int)planning["packets"]!);
        foreach (string field in new[] { "nashGap", "moves", "cumulativeLatencySeconds", "regret", "nashRegret" })
            Assert.NotNull(planning[field]);
    }

    [Fact]
    public void OutWritesThePathChoiceCsvAndHeatMap()
    {
        string dir = Path.Combine(Path.GetTempPath(), "totoro-planning-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "10", "--planner", "bandit", "--packets", "100", "--out", dir);
            Assert.True(code == 0, stderr);
            string[] lines = File.ReadAllLines(Path.Combine(dir, "planning-paths.csv"));
            Assert.StartsWith("packetStart,path0,", lines[0]);
            Assert.Equal(51, lines.Length);
            Assert.True(new FileInfo(Path.Combine(dir, "planning-paths.png")).Length > 1000);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--planning-apps", "3")]
    [InlineData("--planning-tree", null)]
    public void PlanningShapeOptionsNeedAPlanner(string option, string? value)
    {
        string[] args = value is null ? ["sim", "--nodes", "50", "--lookups", "10", option] : ["sim", "--nodes", "50", "--lookups", "10", option, value];
        (int code, string stdout, string stderr) = TotoroProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"error: {option} needs --planner", stderr);
    }

    [Fact]
    public void TreeAppsGiveTwoFlowsPerEdgeAndARoundTime()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "10", "--planner", "game", "--packets", "50",
            "--planning-apps", "3", "--planning-workers", "5", "--planning-tree", "--json");
        Assert.True(code == 0, stderr);
        JsonNode planning = JsonNode.Parse(stdout)!["planning"]!;
        Assert.True((bool)planning["trees"]!);
        Assert.Equal(3, (int)planning["apps"]!);
        Assert.Equal(3 * 5 * 2, (int)planning["flows"]!);
        Assert.True((double)planning["meanRoundSeconds"]! > 0);
    }
}
