using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments.Report;

/// <summary>
/// Writes the results tables of Markdown files from the committed results, between marker comments:
/// <c>&lt;!-- results NAME/TABLE --&gt;</c> (a <see cref="TableSpec"/> of experiments/NAME.yaml),
/// <c>&lt;!-- results compare --&gt;</c> (every file's <see cref="CompareSpec"/>: figure, paper, ours, why),
/// <c>&lt;!-- results gallery --&gt;</c> (their images, short form and paper) and
/// <c>&lt;!-- results walltimes --&gt;</c> (each committed run's form, points and wall time) and
/// <c>&lt;!-- results ci --&gt;</c> (each test project's time in the last recorded CI run, results/ci/times.json) and
/// <c>&lt;!-- results netns-planning --&gt;</c> (the recorded runs of the real-mode planning test), each closed by
/// <c>&lt;!-- /results --&gt;</c>. What lies between is replaced; everything else is kept as written.
/// </summary>
internal sealed partial class ResultsReport(string experimentsDirectory, string resultsDirectory)
{
    private readonly Dictionary<string, ResultsCsv> _cache = [];
    private List<ExperimentFile>? _experiments;

    /// <summary>The experiment files, in natural order of their names (fig5b before fig10).</summary>
    public IReadOnlyList<ExperimentFile> Experiments => _experiments ??= Directory.GetFiles(experimentsDirectory, "*.yaml")
        .Select(f => ExperimentLoader.Load(f, ExperimentLoader.Form.Full).Spec)
        .OrderBy(e => NaturalKey(e.Name), StringComparer.Ordinal)
        .ToList();

    /// <summary>The Markdown text with every marked section written anew; <paramref name="markdownPath"/> places image links.</summary>
    public string Rewrite(string markdown, string markdownPath)
    {
        string imagesFrom = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!, Path.GetFullPath(resultsDirectory)).Replace('\\', '/');
        return Marker().Replace(markdown, m =>
        {
            string what = m.Groups["what"].Value;
            string body = what switch
            {
                "compare" => Compare(),
                "gallery" => Gallery(imagesFrom),
                "walltimes" => WallTimes(),
                "ci" => CiTimes(),
                "netns-planning" => NetnsPlanningRuns.Table(Path.Combine(resultsDirectory, "netns-planning")),
                _ when what.Contains('/', StringComparison.Ordinal) => Table(what[..what.IndexOf('/', StringComparison.Ordinal)], what[(what.IndexOf('/', StringComparison.Ordinal) + 1)..]),
                _ => throw new UsageException($"{markdownPath}: unknown results marker '{what}' (NAME/TABLE, compare, gallery, walltimes, ci, netns-planning)"),
            };
            return $"{m.Groups["open"].Value}\n{body}{m.Groups["close"].Value}";
        });
    }

    /// <summary>The names of the marked sections whose text differs from what the results give.</summary>
    public IReadOnlyList<string> Differences(string markdown, string markdownPath)
    {
        string fresh = Rewrite(markdown, markdownPath);
        var before = Marker().Matches(markdown).ToDictionary(m => m.Groups["what"].Value + "@" + m.Index, m => m.Value);
        var after = Marker().Matches(fresh).Select(m => m.Value).ToList();
        return before.Values.Zip(after).Where(p => p.First != p.Second).Select(p => Marker().Match(p.First).Groups["what"].Value).ToList();
    }

    public string Table(string experiment, string table)
    {
        ExperimentFile e = Find(experiment);
        TableSpec spec = e.Tables.FirstOrDefault(t => t.Name == table)
            ?? throw new UsageException($"experiments/{experiment}.yaml has no table '{table}' (tables: {string.Join(", ", e.Tables.Select(t => t.Name))})");
        var where = new List<(string, string)>();
        foreach ((YamlNode key, YamlNode value) in (IEnumerable<KeyValuePair<YamlNode, YamlNode>>?)spec.Where?.Children ?? [])
            where.Add((((YamlScalarNode)key).Value!, ((YamlScalarNode)value).Value ?? ""));
        var context = new ResultsContext(Path.Combine(resultsDirectory, e.Name), spec.File, where, $"experiments/{experiment}.yaml table '{table}'", _cache);
        ResultsCsv csv = context.File(spec.File);
        List<string[]> rows = ResultsTemplate.Rows(csv, where).ToList();
        List<string> rowKeys = Keys(csv, rows, spec.Rows, context.Where);
        var text = new StringBuilder();
        if (spec.Columns.Length > 0)
        {
            List<string> columnKeys = Keys(csv, rows, spec.Columns, context.Where);
            Line(text, [Header(spec), .. columnKeys.Select(c => spec.ColumnLabel.Replace("{}", c, StringComparison.Ordinal))]);
            Line(text, ["---:", .. columnKeys.Select(_ => "---:")]);
            foreach (string r in rowKeys)
            {
                ResultsContext inRow = context.With([(spec.Rows, r)]);
                Line(text, [RowLabel(spec, inRow, r), .. columnKeys.Select(c => CellOrBlank(spec.Cell, inRow.With([(spec.Columns, c)])))]);
            }
        }
        else
        {
            Line(text, [Header(spec), .. spec.Cells.Select(c => c.Header)]);
            Line(text, ["---:", .. spec.Cells.Select(_ => "---:")]);
            foreach (string r in rowKeys)
            {
                ResultsContext inRow = context.With([(spec.Rows, r)]);
                Line(text, [RowLabel(spec, inRow, r), .. spec.Cells.Select(c => ResultsTemplate.Expand(c.Cell, inRow))]);
            }
        }

        return text.ToString();
    }

    public string Compare()
    {
        var text = new StringBuilder();
        Line(text, ["figure", "paper", "ours (committed results)", "why they differ"]);
        Line(text, ["---", "---", "---", "---"]);
        foreach ((ExperimentFile e, CompareSpec c) in Comparisons())
            Line(text, [$"{Figure(e, c)} (`{e.Name}`)", c.Paper, Ours(e, c, c.Ours), c.Why.Length > 0 ? Ours(e, c, c.Why) : "–"]);
        return text.ToString();
    }

    public string Gallery(string imagesFrom)
    {
        var text = new StringBuilder();
        Line(text, ["", "ours (committed results)", "paper"]);
        Line(text, ["---", "---", "---"]);
        foreach ((ExperimentFile e, CompareSpec c) in Comparisons().Where(p => p.Compare.Images.Count > 0))
        {
            string images = string.Join(" ", c.Images.Select(i => $"![{Figure(e, c)}]({imagesFrom}/{e.Name}/{i})"));
            Line(text, [images, $"{Figure(e, c)}: {Ours(e, c, c.Short.Length > 0 ? c.Short : c.Ours)}", c.Paper]);
        }

        return text.ToString();
    }

    /// <summary>Each test project's counts and time in the CI run that scripts/ci-times.py recorded, with that run's machine load.</summary>
    public string CiTimes()
    {
        string path = Path.Combine(resultsDirectory, "ci", "times.json");
        if (!File.Exists(path))
            throw new UsageException($"{path} is missing: run CI_LOG=ci.log bash .ci/run, then python3 scripts/ci-times.py ci.log");
        using JsonDocument times = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement run = times.RootElement;
        var text = new StringBuilder();
        Line(text, ["test project", "passed", "failed", "skipped", "time"]);
        Line(text, ["---", "---:", "---:", "---:", "---:"]);
        foreach (JsonElement p in run.GetProperty("projects").EnumerateArray())
        {
            Line(text, [p.GetProperty("project").GetString()!, Invariant(p.GetProperty("passed").GetInt32()), Invariant(p.GetProperty("failed").GetInt32()),
                Invariant(p.GetProperty("skipped").GetInt32()), Minutes(p.GetProperty("seconds").GetDouble())]);
        }

        text.Append(CultureInfo.InvariantCulture, $"\n`.ci/run` at {run.GetProperty("commit").GetString()} on a fresh clone, {run.GetProperty("cores").GetInt32()} cores: ")
            .Append(CultureInfo.InvariantCulture, $"**{Minutes(run.GetProperty("wallSeconds").GetDouble())}** in all (build and tests, after the installs); ")
            .Append(CultureInfo.InvariantCulture, $"load average {run.GetProperty("loadAtStart").GetString()} at the start and {run.GetProperty("loadAtEnd").GetString()} at the end.\n");
        return text.ToString();
    }

    private static string Minutes(double seconds)
        => seconds < 60 ? $"{seconds.ToString("0", CultureInfo.InvariantCulture)} s" : $"{(int)(seconds / 60)} min {((int)seconds % 60).ToString("00", CultureInfo.InvariantCulture)} s";

    public string WallTimes()
    {
        var text = new StringBuilder();
        Line(text, ["results", "form", "points", "jobs", "wall s", "sum of points s"]);
        Line(text, ["---", "---", "---:", "---:", "---:", "---:"]);
        foreach (ExperimentFile e in Experiments)
        {
            string path = Path.Combine(resultsDirectory, e.Name, "summary.json");
            if (!File.Exists(path))
                continue;
            using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement s = summary.RootElement;
            Line(text, [e.Name, s.GetProperty("form").GetString()!, Invariant(s.GetProperty("points").GetInt32()), Invariant(s.GetProperty("jobs").GetInt32()),
                s.GetProperty("wallSeconds").GetDouble().ToString("0.#", CultureInfo.InvariantCulture), s.GetProperty("pointSeconds").GetDouble().ToString("0.#", CultureInfo.InvariantCulture)]);
        }

        return text.ToString();
    }

    private IEnumerable<(ExperimentFile Experiment, CompareSpec Compare)> Comparisons() =>
        Experiments.SelectMany(e => e.Compare.Select(c => (e, c)));

    private string Ours(ExperimentFile e, CompareSpec c, string template) =>
        ResultsTemplate.Expand(template, new ResultsContext(Path.Combine(resultsDirectory, e.Name), "points.csv", [], $"experiments/{e.Name}.yaml compare '{Figure(e, c)}'", _cache));

    private static string Figure(ExperimentFile e, CompareSpec c) => c.Figure.Length > 0 ? c.Figure : e.Paper;

    private ExperimentFile Find(string name) =>
        Experiments.FirstOrDefault(e => e.Name == name) ?? throw new UsageException($"no experiment named '{name}' in {experimentsDirectory}");

    private static string Header(TableSpec spec) => spec.RowHeader.Length > 0 ? spec.RowHeader : spec.Rows;

    private static string RowLabel(TableSpec spec, ResultsContext row, string key) =>
        spec.RowLabel.Length > 0 ? ResultsTemplate.Expand(spec.RowLabel, row) : key;

    /// <summary>A pivot cell whose rows are missing (a fanout not run at that size) is a dash, not an error.</summary>
    private static string CellOrBlank(string template, ResultsContext context)
    {
        try
        {
            return ResultsTemplate.Expand(template, context);
        }
        catch (UsageException ex) when (ex.Message.Contains("no row of", StringComparison.Ordinal))
        {
            return "–";
        }
    }

    /// <summary>A column's distinct values among the rows: numbers ascending, text in order of appearance.</summary>
    private static List<string> Keys(ResultsCsv csv, List<string[]> rows, string column, string where)
    {
        int index = csv.Index(column);
        if (index < 0)
            throw new UsageException($"{where}: no column '{column}' in {csv.Path} (columns: {string.Join(", ", csv.Columns)})");
        List<string> keys = rows.Select(r => r[index]).Distinct().ToList();
        return keys.All(k => ResultsTemplate.Number(k) is not null) ? keys.OrderBy(k => ResultsTemplate.Number(k)).ToList() : keys;
    }

    private static void Line(StringBuilder text, IEnumerable<string> cells) =>
        text.Append("| ").AppendJoin(" | ", cells).Append(" |\n");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string NaturalKey(string name) => Digits().Replace(name, d => d.Value.PadLeft(8, '0'));

    [GeneratedRegex(@"(?<open><!-- results (?<what>[^ ]+) -->)\n.*?(?<close><!-- /results -->)", RegexOptions.Singleline)]
    private static partial Regex Marker();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();
}
