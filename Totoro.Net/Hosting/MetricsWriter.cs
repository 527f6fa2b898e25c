using CsvHelper;

namespace Totoro.Net.Hosting;

/// <summary>Appends <see cref="MetricsRow"/>s to DIR/metrics.csv (CsvHelper), flushed after every row.</summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _stream;
    private readonly CsvWriter _csv;

    public MetricsWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, "metrics.csv");
        _stream = new StreamWriter(Path, append: false);
        _csv = CsvWriter.Create(_stream);
        _csv.WriteHeader<MetricsRow>();
        _csv.Flush();
    }

    public string Path { get; }

    public void Write(MetricsRow row)
    {
        _csv.WriteRecord(row);
        _csv.Flush();
        _stream.Flush();
    }

    public void Dispose()
    {
        _csv.Dispose();
        _stream.Dispose();
    }
}
