using Totoro.Cli.Experiments.Report;

namespace Totoro.Cli.Tests;

/// <summary>The READMEs' results tables are written from the committed results and cannot drift from them.</summary>
public sealed class ResultsReportTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "totoro-report-" + Guid.NewGuid().ToString("N"));

    public ResultsReportTests()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "experiments"));
        Directory.CreateDirectory(Path.Combine(_temp, "results", "toy"));
        File.WriteAllText(Path.Combine(_temp, "experiments", "toy.yaml"), """
            name: toy
            title: a toy
            paper: Fig. 0
            kind: overlay
            sweep:
              nodes: [1000]
            tables:
              - name: grid
                rows: apps
                columns: fanout
                columnLabel: f={}
                cell: "{ms:0.0} ({depth|max})"
              - name: list
                rows: apps
                where: {fanout: 8}
                cells:
                  - {header: ms, cell: "{ms|range:0}"}
            compare:
              - paper: "1.0 s"
                ours: "{ms@apps=1,fanout=8:0} ms; not 8: {ms@apps=1,fanout!=8:0} ms; {[other.csv]x|sum:N0}"
                why: toy
            """);
        // Two seeds per (apps, fanout): tables show their mean; apps 2 at fanout 16 was never run.
        File.WriteAllText(Path.Combine(_temp, "results", "toy", "points.csv"), """
            Seed,Apps,Fanout,Ms,Depth
            1,1,8,100,3
            2,1,8,110,4
            1,1,16,50,2
            2,1,16,70,2
            1,2,8,300,5
            2,2,8,200,5
            """.Replace("            ", "", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(_temp, "results", "toy", "other.csv"), "X\n1000\n2500\n");
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private ResultsReport Toy() => new(Path.Combine(_temp, "experiments"), Path.Combine(_temp, "results"));

    [Fact]
    public void APivotTableAveragesOverSeedsAndMarksCellsNeverRun()
    {
        string table = Toy().Table("toy", "grid");
        Assert.Equal(
            "| apps | f=8 | f=16 |\n| ---: | ---: | ---: |\n| 1 | 105.0 (4) | 60.0 (2) |\n| 2 | 250.0 (5) | – |\n",
            table);
        Assert.Equal("| apps | ms |\n| ---: | ---: |\n| 1 | 100–110 |\n| 2 | 200–300 |\n", Toy().Table("toy", "list"));
    }

    [Fact]
    public void TemplatesFilterNegateAndReadOtherFiles()
    {
        string compare = Toy().Compare();
        Assert.Contains("| Fig. 0 (`toy`) | 1.0 s | 105 ms; not 8: 60 ms; 3,500 | toy |", compare);
    }

    [Fact]
    public void ANumberTypedByHandIsReportedAndRewritten()
    {
        string readme = Path.Combine(_temp, "README.md");
        string fresh = "intro\n<!-- results toy/list -->\n" + Toy().Table("toy", "list") + "<!-- /results -->\nafter\n";
        Assert.Empty(Toy().Differences(fresh, readme));
        string typed = fresh.Replace("200–300", "200–299", StringComparison.Ordinal);
        Assert.Equal(["toy/list"], Toy().Differences(typed, readme));
        Assert.Equal(fresh, Toy().Rewrite(typed, readme));
    }

    [Fact]
    public void APlaceholderNoRowAnswersIsAnErrorNotABlank()
    {
        File.AppendAllText(Path.Combine(_temp, "experiments", "toy.yaml"), "\n  - paper: x\n    ours: \"{ms@apps=9}\"\n");
        var ex = Assert.Throws<UsageException>(() => Toy().Compare());
        Assert.Contains("no row", ex.Message);
    }

    [Fact]
    public void TheCiTableIsWrittenFromTheRecordedRunAndAMissingRecordSaysHowToMakeOne()
    {
        var ex = Assert.Throws<UsageException>(() => Toy().CiTimes());
        Assert.Contains("scripts/ci-times.py", ex.Message);

        Directory.CreateDirectory(Path.Combine(_temp, "results", "ci"));
        File.WriteAllText(Path.Combine(_temp, "results", "ci", "times.json"), """
            {"commit": "abc1234", "cores": 2, "wallSeconds": 725, "loadAtStart": "0.41", "loadAtEnd": "2.10",
             "projects": [{"project": "Totoro.Core.Tests", "passed": 280, "failed": 0, "skipped": 0, "seconds": 41.4},
                          {"project": "Totoro.Cli.Tests", "passed": 227, "failed": 1, "skipped": 2, "seconds": 410.0}]}
            """);
        Assert.Equal(
            "| test project | passed | failed | skipped | time |\n| --- | ---: | ---: | ---: | ---: |\n"
            + "| Totoro.Core.Tests | 280 | 0 | 0 | 41 s |\n| Totoro.Cli.Tests | 227 | 1 | 2 | 6 min 50 s |\n"
            + "\n`.ci/run` at abc1234 on a fresh clone, 2 cores: **12 min 05 s** in all (build and tests, after the installs); load average 0.41 at the start and 2.10 at the end.\n",
            Toy().CiTimes());
    }

    [Fact]
    public void TheRealModePlanningTableIsEachRecordedFilesRuns()
    {
        Assert.Throws<UsageException>(() => Toy().Rewrite("<!-- results netns-planning -->\n<!-- /results -->", Path.Combine(_temp, "README.md")));

        string dir = Path.Combine(_temp, "results", "netns-planning");
        Directory.CreateDirectory(dir);
        const string Test = "Totoro.Cli.Tests.NetnsPlanningTests.With_the_game_planner [1 m 30 s]";
        File.WriteAllText(Path.Combine(dir, "runs.txt"), $"""
            == run 1
             static: round ends 1:3.7 2:5.0; updates missing 0 0
             game: round ends 1:3.8 2:5.1; updates missing 0 2
             static: mean round 1.250 s, median 1.208 s (of 12 rounds), impaired host's tree bytes 874,692 a round, updates missing 0
             game:   mean round 0.410 s, median 0.402 s (of 12 rounds), impaired host's tree bytes 291,556 a round, updates missing 2
              Passed {Test}
            == run 2
             static: mean round 1.300 s, median 1.248 s (of 12 rounds), impaired host's tree bytes 838,228 a round, updates missing 0
             game: round ends 1:3.8 2:5.1; updates missing 5 5
             game:   mean round 0.235 s, median 0.220 s (of 12 rounds), impaired host's tree bytes 139,709 a round, updates missing 10
              Failed {Test}
            == run 3 (cut short: no summary lines, not counted)
            """);
        string table = NetnsPlanningRuns.Table(dir);
        Assert.Equal(
            "| runs (file) | runs | passed | `static` median round | `game` median round | impaired host's tree bytes a round, `static` | `game` | rounds with updates missing, `game` |\n"
            + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
            + "| runs.txt | 2 | 1 | 1.208–1.248 s | 0.220–0.402 s | 838,228–874,692 | 139,709–291,556 | 1, 2 |\n",
            table);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("experiments/README.md")]
    public void TheCommittedReadmeTablesAreWhatTheCommittedResultsSay(string file)
    {
        string root = RepoRoot.Find();
        var report = new ResultsReport(Path.Combine(root, "experiments"), Path.Combine(root, "results"));
        string path = Path.Combine(root, file);
        IReadOnlyList<string> stale = report.Differences(File.ReadAllText(path), path);
        Assert.True(stale.Count == 0, $"{file}: {string.Join(", ", stale)} differ from results/ (run `totoro experiment report`)");
    }
}
