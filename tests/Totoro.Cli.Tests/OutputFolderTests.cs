namespace Totoro.Cli.Tests;

/// <summary>Issue 18: results/ holds committed results; only an explicit --out writes there.</summary>
public sealed class OutputFolderTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "totoro-out-" + Guid.NewGuid().ToString("N"));

    public OutputFolderTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Sweep_writes_into_out_by_default()
    {
        (int code, string stdout, string stderr) = TotoroProcess.RunIn(_temp, "sweep", "--nodes", "40,60", "--lookups", "20");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(_temp, "out", "sweep", "sweep.csv")), stdout);
        Assert.True(File.Exists(Path.Combine(_temp, "out", "sweep", "hops.png")), stdout);
        Assert.False(Directory.Exists(Path.Combine(_temp, "results")));
    }

    [Fact]
    public void An_experiment_writes_into_out_by_default_and_into_results_only_when_asked()
    {
        File.WriteAllText(Path.Combine(_temp, "t.yaml"), "name: t\ntitle: t\nkind: overlay\nseeds: [1]\nparameters:\n  lookups: 20\nsweep:\n  nodes: [40]\n");
        (int code, _, string stderr) = TotoroProcess.RunIn(_temp, "experiment", "run", "t.yaml");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(_temp, "out", "t", "points.csv")));
        Assert.False(Directory.Exists(Path.Combine(_temp, "results")));

        (code, _, stderr) = TotoroProcess.RunIn(_temp, "experiment", "run", "t.yaml", "--out", Path.Combine("results", "t"));
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(_temp, "results", "t", "points.csv")));
    }

    [Fact]
    public void Run_experiments_writes_into_out_unless_given_a_folder()
    {
        string name = "zz-script-" + Guid.NewGuid().ToString("N")[..8];
        string file = Path.Combine(_temp, name + ".yaml");
        File.WriteAllText(file, $"name: {name}\ntitle: t\nkind: overlay\nseeds: [1]\nparameters:\n  lookups: 20\nsweep:\n  nodes: [40]\n");
        string repo = RepoRoot.Find();
        string defaultFolder = Path.Combine(repo, "out", name);
        try
        {
            (int code, string stdout, string stderr) = Script(file, "--smallest");
            Assert.True(code == 0, stdout + stderr);
            Assert.True(File.Exists(Path.Combine(defaultFolder, "points.csv")), stdout);

            (code, stdout, stderr) = Script(file, "--out", Path.Combine(_temp, "chosen"));
            Assert.True(code == 0, stdout + stderr);
            Assert.True(File.Exists(Path.Combine(_temp, "chosen", name, "points.csv")), stdout);
            Assert.False(Directory.Exists(Path.Combine(repo, "results", name)));
        }
        finally
        {
            if (Directory.Exists(defaultFolder))
                Directory.Delete(defaultFolder, recursive: true);
        }
    }

    private static (int Code, string Stdout, string Stderr) Script(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoRoot.Find(), "run-experiments.sh"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    [Theory]
    [InlineData("sim --nodes 40 --lookups 20")]
    [InlineData("sim --nodes 60 --apps 1 --subscribers-per-app 10 --rounds 1 --dataset synthetic --partition natural")]
    [InlineData("sweep --nodes 40,60 --lookups 20")]
    [InlineData("experiment run t.yaml")]
    public void An_output_folder_that_cannot_be_written_is_refused_before_the_run(string words)
    {
        File.WriteAllText(Path.Combine(_temp, "t.yaml"), "name: t\ntitle: t\nkind: overlay\nseeds: [1]\nparameters:\n  lookups: 20\nsweep:\n  nodes: [40]\n");
        File.WriteAllText(Path.Combine(_temp, "taken"), "a file, not a folder");
        foreach ((string folder, string message) in new[] { ("taken", "--out taken: a file of that name is in the way; name a folder"), (Path.Combine("taken", "sub"), $"--out {Path.Combine("taken", "sub")}: cannot write there: ") })
        {
            (int code, string stdout, string stderr) = TotoroProcess.RunIn(_temp, [.. words.Split(' '), "--out", folder]);
            Assert.True(code == 2, $"exit {code}: {stderr}");
            Assert.Equal("", stdout);
            // One line and nothing else: no progress bar, so the run never began.
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: {message}", line);
        }
    }

    [Fact]
    public void The_default_output_folder_is_ignored_by_git()
    {
        string[] ignored = File.ReadAllLines(Path.Combine(RepoRoot.Find(), ".gitignore"));
        Assert.Contains("/out/", ignored);
    }

    [Fact]
    public void Every_experiment_file_is_named_as_its_results_folder()
    {
        // run-experiments.sh --commit-results writes experiments/NAME.yaml into results/NAME.
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot.Find(), "experiments"), "*.yaml"))
            Assert.Contains($"\nname: {Path.GetFileNameWithoutExtension(file)}\n", File.ReadAllText(file).ReplaceLineEndings("\n"));
    }
}
