using Totoro.Cli.Experiments;
using Totoro.Cli.Experiments.Kinds;
using Totoro.Sim.Churn;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Tests;

/// <summary>`kind: churn` must report what the churn scenario measures, not a figure of its own.</summary>
public sealed class ChurnKindTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "totoro-churnkind-" + Guid.NewGuid().ToString("N"));

    public ChurnKindTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void BurstPointMatchesTheScenarioRunDirectly()
    {
        var parameters = new ChurnParameters { Nodes = 300, Apps = 4, SubscribersPerApp = 30, Fanout = 4, FailTrees = 3, FailFraction = 0.1 };
        Assert.Empty(parameters.ValidateChurn());
        var row = (ChurnKind.Row)new ChurnKind().Run(parameters, 5, null).Row;

        // The oracle: the same burst built by hand from sim's own pieces.
        var churn = new ChurnSimConfig { FailTrees = 3, FailFraction = 0.1, Timers = "paper" };
        var overlay = new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 5, Pastry = new() };
        var forest = new ForestSimConfig { Apps = 4, SubscribersPerApp = 30, ModelBytes = 160 * 1024, Fanout = 4 };
        ChurnSection direct = ChurnScenario.Run(ChurnOptions.WithTimers(overlay, churn), forest, churn).Churn!;

        Assert.Equal(direct.FailedNodes, row.FailedNodes);
        Assert.Equal(direct.Orphans, row.Orphans);
        Assert.Equal(direct.TreesMeasured, row.TreesMeasured);
        Assert.Equal(direct.TreesRecovered, row.TreesHealed);
        Assert.Equal(direct.MeanRecoveryMs!.Value / 1000, row.MeanRecoveryS!.Value, 4);
        Assert.Equal(direct.P99RecoveryMs!.Value / 1000, row.P99RecoveryS!.Value, 4);
        Assert.Equal(direct.RoundAfterRepairDelivered, row.RoundAfterRepairDelivered);
        Assert.Equal(4, row.Fanout);
        Assert.True(row.FailedNodes > 0);
        Assert.Null(row.LookupSuccessRate); // a burst alone runs no lookups
    }

    [Fact]
    public void SessionPointMatchesTheScenarioRunDirectly()
    {
        var parameters = new ChurnParameters { Nodes = 200, Lookups = 100, Churn = "exp", MeanSession = 300, ChurnDuration = 300 };
        Assert.Empty(parameters.ValidateChurn());
        var row = (ChurnKind.Row)new ChurnKind().Run(parameters, 9, null).Row;

        var churn = new ChurnSimConfig { Sessions = SessionDistributions.Create("exp", 300), DurationSeconds = 300, Timers = "paper" };
        var overlay = new OverlaySimConfig { Nodes = 200, Lookups = 100, Seed = 9, Pastry = new() };
        ChurnSection direct = ChurnScenario.Run(ChurnOptions.WithTimers(overlay, churn), null, churn).Churn!;

        Assert.Equal(direct.Departures, row.Departures);
        Assert.True(row.Departures > 0);
        Assert.Equal(direct.LookupsIssued, row.LookupsIssued);
        Assert.Equal(direct.LookupsCorrect, row.LookupsCorrect);
        Assert.Equal(direct.LookupSuccessRate, row.LookupSuccessRate);
        Assert.Equal(5.0, row.MeanSessionMinutes);
        Assert.Null(row.MeanRecoveryS); // no burst, no recovery
    }

    [Theory]
    [InlineData("  churn: poisson\n  meanSession: 60\n", "'churn' must be none, exp, pareto or weibull")]
    [InlineData("  churn: exp\n", "needs 'meanSession'")]
    [InlineData("  meanSession: 60\n  failTrees: 1\n", "need 'churn: exp|pareto|weibull'")]
    [InlineData("  nodes: 100\n", "needs 'failTrees' of at least 1")]
    [InlineData("  apps: 2\n  failTrees: 3\n", "'failTrees' (3) must be at most 'apps'")]
    [InlineData("  failTrees: 1\n  timers: fast\n", "'timers' must be freepastry or paper")]
    [InlineData("  failTrees: 1\n  failFraction: 0\n", "'failFraction' must be in (0, 1]")]
    public void BadChurnParametersAreUsageErrorsNamingTheKey(string parameters, string named)
    {
        string file = Path.Combine(_temp, "bad.yaml");
        File.WriteAllText(file, "name: x\ntitle: x\nkind: churn\nparameters:\n  nodes: 200\n" + parameters.Replace("  nodes: 100\n", "", StringComparison.Ordinal));
        (int code, string stdout, string stderr) = TotoroProcess.Run("experiment", "run", file, "--out", Path.Combine(_temp, "never"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(named, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
