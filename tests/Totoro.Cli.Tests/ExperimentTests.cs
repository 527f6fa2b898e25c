using System.Text.Json.Nodes;
using Totoro.Cli.Experiments;
using Totoro.Cli.Experiments.Kinds;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Tests;

public sealed class ExperimentTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "totoro-experiments-" + Guid.NewGuid().ToString("N"));

    public ExperimentTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Totoro.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root above the test binaries.");
    }

    public static TheoryData<string> ExperimentFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot(), "experiments"), "*.yaml").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ExperimentFiles))]
    public void EveryExperimentRunsInItsSmallestFormAndItsOutputsParse(string file)
    {
        string outDir = Path.Combine(_temp, "out");
        (int code, string stdout, string stderr) = TotoroProcess.Run("experiment", "run", Path.Combine(RepoRoot(), "experiments", file), "--smallest", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("points in", stdout);

        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        int points = (int)summary["points"]!;
        Assert.True(points >= 1);
        Assert.Equal(points, summary["results"]!.AsArray().Count);
        JsonArray files = summary["files"]!.AsArray();
        Assert.Contains("points.csv", files.Select(f => (string)f!));
        foreach (string name in files.Select(f => (string)f!))
        {
            string path = Path.Combine(outDir, name);
            Assert.True(File.Exists(path), $"{file}: summary lists {name}, which was not written");
            if (name.EndsWith(".png", StringComparison.Ordinal))
            {
                byte[] bytes = File.ReadAllBytes(path);
                Assert.True(bytes.Length > 5000, $"{name} is only {bytes.Length} bytes");
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            }
            else if (name.EndsWith(".csv", StringComparison.Ordinal))
            {
                // RFC 4180 (a label may hold a quoted comma): every record has the header's fields.
                using var reader = new StreamReader(path);
                using CsvHelper.CsvReader csv = CsvHelper.CsvReader.Create(reader);
                int columns = csv.Headers.Count;
                int records = 0;
                while (csv.Read())
                {
                    Assert.Equal(columns, csv.FieldCount);
                    records++;
                }

                Assert.True(records > 0, $"{name} has no rows");
                if (name == "points.csv")
                    Assert.Equal(points, records);
            }
        }

        // Every plot the file declares was drawn.
        Experiment experiment = ExperimentLoader.Load(Path.Combine(RepoRoot(), "experiments", file), ExperimentLoader.Form.Smallest);
        foreach (PlotSpec plot in experiment.Spec.Plots)
            Assert.Contains(plot.File, files.Select(f => (string)f!));
    }

    [Theory]
    [InlineData("[200]", true)]
    [InlineData("[200, 300]", false)]
    public void OnePointAloneShowsItsOwnPhasesManyShowOnlyPointsDone(string nodes, bool phases)
    {
        // A one-point run (a 40-round training run) would otherwise show "0/1" until it is over.
        string file = Write($"name: t\ntitle: t\nkind: overlay\nseeds: [1]\nparameters:\n  lookups: 100\nsweep:\n  nodes: {nodes}\n");
        Experiment experiment = ExperimentLoader.Load(file, ExperimentLoader.Form.Full);
        var log = new StringWriter();
        using (var bar = new ProgressBar(log, interactive: false))
        {
            ExperimentRunner.Run(experiment, Path.Combine(_temp, "out"), jobs: 1, bar);
            bar.Complete();
        }

        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(phases, lines.Any(l => l.StartsWith("joining ", StringComparison.Ordinal) && l.Contains("100.0%", StringComparison.Ordinal)));
        Assert.Equal(phases, lines.Any(l => l.StartsWith("lookups ", StringComparison.Ordinal) && l.Contains("100/100", StringComparison.Ordinal)));
        Assert.StartsWith("t ", lines[^1]);
        Assert.Contains("100.0%", lines[^1]);
        if (phases)
            Assert.Equal(lines.Length - 1, Array.FindIndex(lines, l => l.StartsWith("t ", StringComparison.Ordinal))); // never shown done before its phases
        else
            Assert.All(lines, l => Assert.StartsWith("t ", l));
    }

    [Fact]
    public void PointsMatchTheScenarioRunDirectlyAndDoNotDependOnParallelism()
    {
        string file = Write("name: t\ntitle: t\nkind: overlay\nseeds: [3, 4]\nparameters:\n  lookups: 300\n  b: 3\nsweep:\n  nodes: [200, 400]\n");
        Experiment experiment = ExperimentLoader.Load(file, ExperimentLoader.Form.Full);
        Assert.Equal(["nodes=200 seed=3", "nodes=200 seed=4", "nodes=400 seed=3", "nodes=400 seed=4"], experiment.Points.Select(p => p.Label));

        ExperimentRunner.Run(experiment, Path.Combine(_temp, "one"), jobs: 1, bar: null);
        ExperimentRunner.Run(experiment, Path.Combine(_temp, "two"), jobs: 2, bar: null);
        string[] one = File.ReadAllLines(Path.Combine(_temp, "one", "points.csv"));
        string[] two = File.ReadAllLines(Path.Combine(_temp, "two", "points.csv"));
        // Every column but the wall time is the same whatever the schedule.
        Assert.Equal(one.Select(DropLastColumn), two.Select(DropLastColumn));

        // The oracle: the same scenario, built by hand, gives the row's figures.
        SimReport direct = new OverlayScenario(new OverlaySimConfig { Nodes = 400, Lookups = 300, Seed = 4, Pastry = new() { B = 3 } }).Run();
        string[] header = one[0].Split(',');
        string[] last = one[4].Split(',');
        Assert.Equal("400", last[Array.IndexOf(header, "Nodes")]);
        Assert.Equal("4", last[Array.IndexOf(header, "Seed")]);
        Assert.Equal(direct.Overlay.MeanHops, double.Parse(last[Array.IndexOf(header, "MeanHops")], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(direct.Overlay.Correct, int.Parse(last[Array.IndexOf(header, "Correct")], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(direct.Run.Events, long.Parse(last[Array.IndexOf(header, "Events")], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void QuickOverridesParametersAndReplacesAxesAndSmallestCutsThem()
    {
        string file = Write("""
            name: q
            title: q
            kind: planning
            seeds: [1, 2, 3]
            parameters:
              packets: 50
            sweep:
              planner: [static, game, bandit]
              epsilon: [0.01, 0.05]
            quick:
              seeds: [7]
              parameters:
                packets: 20
              sweep:
                epsilon: [0.1]
            """);
        Experiment full = ExperimentLoader.Load(file, ExperimentLoader.Form.Full);
        Experiment quick = ExperimentLoader.Load(file, ExperimentLoader.Form.Quick);
        Experiment smallest = ExperimentLoader.Load(file, ExperimentLoader.Form.Smallest);
        Assert.Equal(3 * 2 * 3, full.Points.Count);
        Assert.All(full.Points, p => Assert.Equal(50, ((PlanningKind.Parameters)p.Parameters).Packets));
        Assert.Equal(3, quick.Points.Count);
        Assert.All(quick.Points, p => Assert.Equal((20, 0.1, 7UL), (((PlanningKind.Parameters)p.Parameters).Packets, ((PlanningKind.Parameters)p.Parameters).Epsilon, p.Seed)));
        Assert.Equal(["planner=static epsilon=0.1 seed=7", "planner=game epsilon=0.1 seed=7"], smallest.Points.Select(p => p.Label));
    }

    [Theory]
    [InlineData("name: x\ntitle: x\nkind: overlay\ncolour: red\n", "line 4", "'colour'")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nparameters:\n  nodes: 100\n  fanot: 8\n", "line 6", "'fanot'")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nparameters:\n  nodes: lots\n", "line 5", "'nodes' must be a whole number")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nseeds: [1, -2]\n", "line 4", "'seeds'")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nsweep:\n  nodes: [100, 1e3x]\n", "line 5", "'nodes' must be a whole number (got '1e3x')")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nsweep:\n  nodez: [100]\n", "line 5", "'nodez'")]
    [InlineData("name: x\ntitle: x\nkind: overlays\n", "line 3", "unknown kind 'overlays'")]
    [InlineData("name: x\ntitle: x\nkind: forest\nparameters:\n  nodes: 100\n  subscribersPerApp: 500\n", "line 6", "'subscribersPerApp' must be from 1")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nplots:\n  - file: a.png\n    x: nodes\n    y: [meanHopz]\n", "line 5", "no column 'meanHopz'")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nparameters: [1, 2]\n", "line 4", "'parameters' must be a mapping")]
    [InlineData("name: x\ntitle: x\nkind: overlay\nparameters:\n  nodes: [1\n", "line", "not valid YAML")]
    [InlineData("title: x\nkind: overlay\n", "line 1", "'name' is required")]
    [InlineData("name: x\ntitle: x\nkind: planning\nsweep:\n  planner: [game, dijkstra]\n", "line 5", "'planner' must be one of")]
    public void BadExperimentFilesAreUsageErrorsNamingTheKeyAndLine(string yaml, string line, string named)
    {
        string file = Write(yaml);
        (int code, string stdout, string stderr) = TotoroProcess.Run("experiment", "run", file, "--out", Path.Combine(_temp, "never"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(line, stderr);
        Assert.Contains(named, stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
        Assert.False(Directory.Exists(Path.Combine(_temp, "never")));
    }

    [Fact]
    public void MissingFileIsAUsageError()
    {
        (int code, _, string stderr) = TotoroProcess.Run("experiment", "run", Path.Combine(_temp, "nope.yaml"));
        Assert.Equal(2, code);
        Assert.Contains("nope.yaml", stderr);
    }

    [Fact]
    public void ListShowsEveryExperimentFileAndKind()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("experiment", "list", "--dir", Path.Combine(RepoRoot(), "experiments"));
        Assert.True(code == 0, stderr);
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot(), "experiments"), "*.yaml"))
            Assert.Contains(Path.GetFileName(file), stdout);
        foreach (IExperimentKind kind in ExperimentKinds.All)
            Assert.Contains(kind.Name, stdout);
    }

    private string Write(string yaml)
    {
        string path = Path.Combine(_temp, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string DropLastColumn(string line) => line[..line.LastIndexOf(',')];
}
