using CsvHelper;

namespace Totoro.Cli.Experiments.Report;

/// <summary>A committed results CSV as text cells keyed by the header's camelCase name (as plots and tables name columns).</summary>
internal sealed class ResultsCsv
{
    private ResultsCsv(string path, IReadOnlyList<string> columns, List<string[]> rows)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<string[]> Rows { get; }

    public static ResultsCsv Read(string path)
    {
        if (!File.Exists(path))
            throw new UsageException($"no results file '{path}': run the experiment with --out into results/ first");
        using var reader = new StreamReader(path);
        using CsvReader csv = CsvReader.Create(reader);
        string[] columns = csv.Headers.Select(YamlBinder.CamelCase).ToArray();
        var rows = new List<string[]>();
        while (csv.Read())
        {
            var row = new string[columns.Length];
            for (int i = 0; i < row.Length && i < csv.FieldCount; i++)
                row[i] = csv.GetString(i);
            rows.Add(row);
        }

        return new ResultsCsv(path, columns, rows);
    }

    /// <summary>The column's index, or -1.</summary>
    public int Index(string column)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
                return i;
        }

        return -1;
    }
}
