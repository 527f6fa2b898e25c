using CsvHelper;

namespace Totoro.Cli;

/// <summary>Reads and writes sweep rows with CsvHelper (RFC 4180, invariant number formats).</summary>
internal static class SweepCsv
{
    public static void Write(string path, IEnumerable<SweepRow> rows)
    {
        using var writer = new StreamWriter(path);
        using CsvWriter csv = CsvWriter.Create(writer);
        csv.WriteRecords(rows);
    }

    public static List<SweepRow> Read(string path)
    {
        using var reader = new StreamReader(path);
        using CsvReader csv = CsvReader.Create(reader);
        return csv.GetRecords<SweepRow>().ToList();
    }
}
