using System.Globalization;
using System.Text.RegularExpressions;

namespace Totoro.Cli.Experiments.Report;

/// <summary>
/// Text with numbers taken from committed results: each <c>{[file]column@key=value,key=value|agg:format}</c> is the
/// column aggregated over the rows that pass the context's filters and its own (<c>[file]</c> defaults to the
/// context's file, <c>agg</c> to <c>mean</c>; also <c>min</c>, <c>max</c>, <c>sum</c>, <c>count</c> and
/// <c>range</c>, "min–max" or one value when they agree; <c>format</c> is a .NET numeric format, default 0.##).
/// A placeholder no row answers is an error: a table never shows a number it could not find.
/// </summary>
internal static partial class ResultsTemplate
{
    public static string Expand(string template, ResultsContext context) =>
        Placeholder().Replace(template, m => Evaluate(m, context));

    private static string Evaluate(Match m, ResultsContext context)
    {
        ResultsCsv csv = context.File(m.Groups["file"].Success ? m.Groups["file"].Value : context.DefaultFile);
        string column = m.Groups["column"].Value;
        int index = csv.Index(column);
        if (index < 0)
            throw new UsageException($"{context.Where}: '{m.Value}': no column '{column}' in {csv.Path} (columns: {string.Join(", ", csv.Columns)})");
        var filters = new List<(string Column, string Value)>();
        foreach ((string c, string v) in context.Filters)
        {
            if (csv.Index(c) >= 0)
                filters.Add((c, v)); // a group key the other file lacks does not narrow it
        }

        if (m.Groups["where"].Success)
        {
            foreach (string pair in m.Groups["where"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                bool not = eq > 0 && pair[eq - 1] == '!';
                string key = pair[..(not ? eq - 1 : eq)].Trim();
                if (eq <= 0 || csv.Index(key) < 0)
                    throw new UsageException($"{context.Where}: '{m.Value}': '{pair}' must be column=value or column!=value with a column of {csv.Path}");
                filters.Add((not ? "!" + key : key, pair[(eq + 1)..].Trim()));
            }
        }

        string[] cells = Rows(csv, filters).Select(r => r[index]).Where(c => !string.IsNullOrEmpty(c)).ToArray();
        string agg = m.Groups["agg"].Success ? m.Groups["agg"].Value : "mean";
        if (agg == "count")
            return cells.Length.ToString(CultureInfo.InvariantCulture);
        if (cells.Length == 0)
            throw new UsageException($"{context.Where}: '{m.Value}': no row of {csv.Path} has a value there (filters: {string.Join(", ", filters.Select(f => $"{f.Column}={f.Value}"))})");
        string format = m.Groups["format"].Success ? m.Groups["format"].Value : "0.##";
        if (!cells.All(c => Number(c) is not null))
        {
            return cells.Distinct().Count() == 1 ? cells[0]
                : throw new UsageException($"{context.Where}: '{m.Value}': the rows disagree ({string.Join(", ", cells.Distinct())}) and are not numbers");
        }

        double[] values = cells.Select(c => Number(c)!.Value).ToArray();
        string Show(double v) => v.ToString(format, CultureInfo.InvariantCulture);
        return agg switch
        {
            "mean" => Show(values.Average()),
            "min" => Show(values.Min()),
            "max" => Show(values.Max()),
            "sum" => Show(values.Sum()),
            "range" => Show(values.Min()) == Show(values.Max()) ? Show(values.Min()) : $"{Show(values.Min())}–{Show(values.Max())}",
            _ => throw new UsageException($"{context.Where}: '{m.Value}': unknown aggregate '{agg}' (mean, min, max, sum, count, range)"),
        };
    }

    /// <summary>
    /// The rows whose columns hold the wanted values (numbers compare as numbers: 20 = 20.0); a column written
    /// "!column" wants any other value.
    /// </summary>
    public static IEnumerable<string[]> Rows(ResultsCsv csv, IReadOnlyList<(string Column, string Value)> filters)
    {
        int[] indexes = filters.Select(f => csv.Index(f.Column.TrimStart('!'))).ToArray();
        bool[] negated = filters.Select(f => f.Column.StartsWith('!')).ToArray();
        return csv.Rows.Where(r =>
        {
            for (int i = 0; i < indexes.Length; i++)
            {
                if (Same(r[indexes[i]], filters[i].Value) == negated[i])
                    return false;
            }

            return true;
        });
    }

    public static bool Same(string cell, string wanted) =>
        cell == wanted || (Number(cell) is { } a && Number(wanted) is { } b && a == b) || string.Equals(cell, wanted, StringComparison.OrdinalIgnoreCase);

    public static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null;

    [GeneratedRegex(@"\{(?:\[(?<file>[^\]]+)\])?(?<column>[A-Za-z][A-Za-z0-9]*)(?:@(?<where>[^|:}]+))?(?:\|(?<agg>[a-z]+))?(?::(?<format>[^}]+))?\}")]
    private static partial Regex Placeholder();
}

/// <summary>Where a template's numbers come from: a results folder, its default file, the rows' filters, and a name for errors.</summary>
internal sealed class ResultsContext(string directory, string defaultFile, IReadOnlyList<(string Column, string Value)> filters, string where, Dictionary<string, ResultsCsv> cache)
{
    public string DefaultFile { get; } = defaultFile;

    public IReadOnlyList<(string Column, string Value)> Filters { get; } = filters;

    public string Where { get; } = where;

    public ResultsCsv File(string name)
    {
        string path = Path.Combine(directory, name);
        if (!cache.TryGetValue(path, out ResultsCsv? csv))
            cache[path] = csv = ResultsCsv.Read(path);
        return csv;
    }

    public ResultsContext With(IEnumerable<(string Column, string Value)> more) => new(directory, DefaultFile, [.. Filters, .. more], Where, cache);
}
