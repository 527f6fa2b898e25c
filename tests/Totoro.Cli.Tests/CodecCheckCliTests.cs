using System.CommandLine;
using System.Text.Json.Nodes;

namespace Totoro.Cli.Tests;

/// <summary>
/// `totoro sim --codec-check` sends every message through the wire codec and delivers the decoded copy; anything the
/// codec lost would change the run. Runs in-process (no child `dotnet`) to keep the suite short.
/// </summary>
public class CodecCheckCliTests
{
    [Theory]
    [InlineData("overlay", "--nodes 300 --lookups 200")]
    [InlineData("forest", "--nodes 300 --lookups 0 --apps 4 --subscribers-per-app 20 --model-bytes 4000 --fanout 8")]
    [InlineData("real-vector forest", "--nodes 200 --lookups 0 --apps 2 --subscribers-per-app 20 --model-bytes 400 --real-vectors")]
    [InlineData("training", "--nodes 300 --lookups 0 --apps 2 --subscribers-per-app 10 --rounds 3 --dataset synthetic --partition natural")]
    [InlineData("churn", "--nodes 300 --lookups 100 --churn exp --mean-session 600 --churn-duration 120")]
    public void The_codec_check_prints_the_same_json_apart_from_wall_time_and_memory(string run, string args)
    {
        string plain = Sim(args);
        string checkedRun = Sim(args + " --codec-check");
        Assert.True(Deterministic(plain) == Deterministic(checkedRun), $"the {run} run differs with --codec-check");
    }

    [Fact]
    public void The_check_is_on_in_yaml_experiments_when_asked()
    {
        var world = new Experiments.WorldParameters { CodecCheck = true };
        Assert.True(world.ToOverlayConfig(1).CodecCheck);
        Assert.False(new Experiments.WorldParameters().ToOverlayConfig(1).CodecCheck);
    }

    /// <summary>Runs `totoro sim ARGS --json` in this process and returns what it printed.</summary>
    private static string Sim(string args)
    {
        using var stdout = new StringWriter();
        var root = new RootCommand { SimCommand.Create(stdout) };
        ParseResult parsed = root.Parse(["sim", .. args.Split(' '), "--json"]);
        Assert.Empty(parsed.Errors);
        int code = parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        Assert.Equal(ExitCodes.Ok, code);
        return stdout.ToString();
    }

    private static string Deterministic(string json)
    {
        JsonNode node = JsonNode.Parse(json)!;
        JsonObject run = node["run"]!.AsObject();
        foreach (string field in new[] { "wallSeconds", "eventsPerSecond", "peakMemoryBytes", "bytesPerNode" })
            run.Remove(field);
        return node.ToJsonString();
    }
}
