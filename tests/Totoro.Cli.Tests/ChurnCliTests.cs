using System.Text.Json.Nodes;

namespace Totoro.Cli.Tests;

public class ChurnCliTests
{
    [Fact]
    public void ATraceWithABadLineIsAUsageErrorNamingTheLine()
    {
        string path = Path.Combine(Path.GetTempPath(), "totoro-trace-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, "time,node,event\n1,2,fail\n2,3,explode\n");
        try
        {
            (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--churn", "trace:" + path);
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Contains("line 3", stderr);
            Assert.Contains("explode", stderr);
            Assert.DoesNotContain("   at ", stderr); // one line, no stack trace
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "--churn", "exp" }, "--mean-session")]
    [InlineData(new[] { "--churn", "lognormal", "--mean-session", "60" }, "--churn")]
    [InlineData(new[] { "--churn", "exp", "--mean-session", "0" }, "--mean-session")]
    [InlineData(new[] { "--fail-trees", "2" }, "--apps")]
    [InlineData(new[] { "--apps", "2", "--subscribers-per-app", "10", "--fail-trees", "2", "--fail-fraction", "1.5" }, "--fail-fraction")]
    [InlineData(new[] { "--churn", "exp", "--mean-session", "60", "--timers", "fast" }, "--timers")]
    [InlineData(new[] { "--mean-session", "60" }, "--churn")]
    public void BadChurnOptionsAreUsageErrorsNamingTheOption(string[] extra, string named)
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(["sim", "--nodes", "50", "--lookups", "10", .. extra]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(named, stderr);
    }

    [Fact]
    public void ChurnAddsAChurnSection()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "150", "--lookups", "200", "--churn", "exp", "--mean-session", "600", "--churn-duration", "120", "--json");
        Assert.True(code == 0, stderr);
        JsonNode churn = JsonNode.Parse(stdout)!["churn"]!;
        Assert.Equal("exp", (string)churn["model"]!);
        Assert.Equal(200, (int)churn["lookupsIssued"]!);
        Assert.True((double)churn["lookupSuccessRate"]! > 0.95);
    }
}
