using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Totoro.Cli.Experiments.Report;

/// <summary>
/// README's real-mode path-planning figures, from what `NetnsPlanningTests` printed in recorded runs
/// (results/netns-planning/*.txt, one file per setting; each run's "== run" header, its two summary lines and its
/// verdict): per file, the runs, how many passed, and the range over the runs of each planner's median round and of
/// the impaired host's tree bytes a round.
/// </summary>
internal static partial class NetnsPlanningRuns
{
    public static string Table(string directory)
    {
        string[] files = Directory.Exists(directory) ? [.. Directory.GetFiles(directory, "*.txt").Order(StringComparer.Ordinal)] : [];
        if (files.Length == 0)
            throw new UsageException($"{directory} has no recorded runs (*.txt): record `NetnsPlanningTests`' output there (results/netns-planning/README.md says how)");
        var text = new StringBuilder();
        text.Append("| runs (file) | runs | passed | `static` median round | `game` median round | impaired host's tree bytes a round, `static` | `game` | rounds with updates missing, `game` |\n");
        text.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (string file in files)
        {
            List<Run> runs = Parse(File.ReadAllLines(file));
            if (runs.Count == 0)
                throw new UsageException($"{file}: no run in it (a '== run' line, then the test's 'static:' and 'game:' summary lines)");
            text.Append(CultureInfo.InvariantCulture, $"| {Path.GetFileName(file)} | {runs.Count} | {runs.Count(r => r.Passed)} | ")
                .Append(Range(runs.Select(r => r.Static.MedianSeconds), "0.000", " s")).Append(" | ")
                .Append(Range(runs.Select(r => r.Game.MedianSeconds), "0.000", " s")).Append(" | ")
                .Append(Range(runs.Select(r => (double)r.Static.ImpairedBytes), "#,0", "")).Append(" | ")
                .Append(Range(runs.Select(r => (double)r.Game.ImpairedBytes), "#,0", "")).Append(" | ")
                .Append(CultureInfo.InvariantCulture, $"{string.Join(", ", runs.Select(r => r.GameRoundsMissing))} |\n");
        }

        return text.ToString();
    }

    /// <summary>One planner's summary line: median round over the measured rounds, the impaired host's tree bytes a round.</summary>
    internal readonly record struct Summary(double MedianSeconds, long ImpairedBytes);

    internal sealed record Run(Summary Static, Summary Game, bool Passed, int GameRoundsMissing);

    internal static List<Run> Parse(IEnumerable<string> lines)
    {
        var runs = new List<Run>();
        Summary? @static = null, game = null;
        bool? passed = null;
        int missing = 0;
        foreach (string line in lines.Append("== end"))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal))
            {
                if (@static is { } s && game is { } g)
                    runs.Add(new Run(s, g, passed ?? false, missing));
                (@static, game, passed, missing) = (null, null, null, 0);
            }
            else if (SummaryLine().Match(line) is { Success: true } m)
            {
                var summary = new Summary(double.Parse(m.Groups["median"].Value, CultureInfo.InvariantCulture),
                    long.Parse(m.Groups["bytes"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture));
                if (m.Groups["planner"].Value == "static")
                    @static = summary;
                else if (m.Groups["planner"].Value == "game")
                    game = summary;
            }
            else if (RoundEnds().Match(line) is { Success: true } ends)
            {
                missing = ends.Groups["missing"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(n => n != "0");
            }
            else if (Verdict().Match(line) is { Success: true } verdict)
            {
                passed = verdict.Groups["verdict"].Value == "Passed";
            }
        }

        return runs;
    }

    private static string Range(IEnumerable<double> values, string format, string unit)
    {
        double low = values.Min(), high = values.Max();
        string a = low.ToString(format, CultureInfo.InvariantCulture), b = high.ToString(format, CultureInfo.InvariantCulture);
        return a == b ? a + unit : $"{a}–{b}{unit}";
    }

    [GeneratedRegex(@"^\s*(?<planner>\w+):\s+mean round [0-9.]+ s, median (?<median>[0-9.]+) s \(of \d+ rounds\), impaired host's tree bytes (?<bytes>[0-9,]+) a round")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"^\s*game: round ends .*; updates missing (?<missing>[0-9 ]+)$")]
    private static partial Regex RoundEnds();

    [GeneratedRegex(@"^\s*(?<verdict>Passed|Failed) Totoro\.Cli\.Tests\.NetnsPlanningTests\.")]
    private static partial Regex Verdict();
}
