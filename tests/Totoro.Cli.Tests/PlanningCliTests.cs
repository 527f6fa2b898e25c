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
        JsonNode planning = JsonNode.Parse(stdout)!["planningGraph"]!;
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
        JsonNode planning = JsonNode.Parse(stdout)!["planningGraph"]!;
        Assert.True((bool)planning["trees"]!);
        Assert.Equal(3, (int)planning["apps"]!);
        Assert.Equal(3 * 5 * 2, (int)planning["flows"]!);
        Assert.True((double)planning["meanRoundSeconds"]! > 0);
    }

    [Fact]
    public void ATrainingRunPlansItsLiveTreeFlows()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "200", "--lookups", "0", "--apps", "3", "--subscribers-per-app", "20",
            "--clients-per-round", "0", "--rounds", "6", "--train", "timing", "--model", "logreg", "--slow-fraction", "0.3", "--planner", "game", "--plan-period-ms", "2000", "--json");
        Assert.True(code == 0, stderr);
        JsonNode root = JsonNode.Parse(stdout)!;
        Assert.Null(root["planningGraph"]);
        JsonNode planning = root["planning"]!;
        Assert.Equal("game", (string)planning["planner"]!);
        Assert.True((int)planning["flows"]! > 2 * 3 * 20 - 10, "two flows per tree edge");
        Assert.Equal((double)root["learning"]!["meanRoundSeconds"]!, (double)planning["meanRoundSeconds"]!);
        foreach (string field in new[] { "moves", "nashGap", "meanNashGap", "movesLoweringPotential", "roundSeconds" })
            Assert.NotNull(planning[field]);
    }

    [Theory]
    [InlineData("--packets", "100")]
    [InlineData("--planning-tree", null)]
    public void SyntheticGraphOptionsAreRefusedInATrainingRun(string option, string? value)
    {
        string[] args = ["sim", "--nodes", "50", "--lookups", "0", "--rounds", "2", "--train", "timing", "--planner", "game", option, .. (value is null ? Array.Empty<string>() : [value])];
        (int code, string stdout, string stderr) = TotoroProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"{option} is for the synthetic planning graph", stderr);
    }

    [Fact]
    public void ALivePlannerMustBeOneOfThree()
    {
        (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "0", "--rounds", "2", "--train", "timing", "--planner", "e2e");
        Assert.Equal(2, code);
        Assert.Contains("--planner must be one of static, bandit, game", stderr);
    }
}
