using System.Text.Json.Nodes;

namespace Totoro.Cli.Tests;

public class TrainingChurnCliTests
{
    // Synthetic data (generated in process) on slow devices, so rounds last seconds and churn acts during them.
    private static readonly string[] Training =
    [
        "sim", "--nodes", "200", "--lookups", "50", "--apps", "1", "--subscribers-per-app", "20", "--rounds", "6",
        "--dataset", "synthetic", "--partition", "natural", "--clients-per-round", "10", "--device-gflops", "0.0002-0.002",
    ];

    [Fact]
    public void TrainingUnderChurnWithARootKillReportsBothSections()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run([.. Training, "--round-deadline-ms", "2500", "--churn", "exp", "--mean-session", "300", "--timers", "paper", "--kill-root-at-round", "3", "--json"]);
        Assert.True(code == 0, stderr);
        JsonNode report = JsonNode.Parse(stdout)!;
        JsonNode app = report["learning"]!["perApp"]![0]!;
        Assert.Equal(6, (int)app["rounds"]!);
        JsonNode churn = report["churn"]!;
        Assert.Equal("exp", (string)churn["model"]!);
        Assert.True((int)churn["departures"]! > 0);
        Assert.Equal(0, (int)churn["modelsLost"]!);
        Assert.True((int)churn["rootFailovers"]! >= 1);
        JsonNode training = churn["training"]!;
        Assert.Equal(1, (int)training["rootsKilled"]!);
        Assert.Equal(3, (int)training["killRootAtRound"]!);
        Assert.Equal(0, (int)training["duplicateUpdates"]!);
        Assert.NotNull(churn["lookupSuccessRate"]);
    }

    [Fact]
    public void TheTextSummaryShowsTheChurnSection()
    {
        // No churn, so no lookups: drop --lookups, which a training run without churn refuses.
        string[] noLookups = [.. Training[..3], .. Training[5..]];
        (int code, string stdout, string stderr) = TotoroProcess.Run([.. noLookups, "--kill-root-at-round", "2"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("1 roots killed in round 2", stdout);
        Assert.Contains("0 models", stdout);
    }

    [Theory]
    [InlineData(new[] { "--churn", "exp", "--mean-session", "300" }, "--round-deadline-ms")]
    [InlineData(new[] { "--kill-root-at-round", "7" }, "--kill-root-at-round")]
    [InlineData(new[] { "--kill-root-at-round", "-1" }, "--kill-root-at-round")]
    [InlineData(new[] { "--kill-root-at-round", "2", "--system", "central" }, "--system totoro")]
    [InlineData(new[] { "--fail-trees", "1", "--round-deadline-ms", "100" }, "--kill-root-at-round")]
    public void NonsenseCombinationsAreOneLineUsageErrors(string[] extra, string named)
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run([.. Training, .. extra]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(named, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void KillingARootWithoutTrainingIsAUsageError()
    {
        (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--kill-root-at-round", "2");
        Assert.Equal(2, code);
        Assert.Contains("--rounds", stderr);
    }
}
