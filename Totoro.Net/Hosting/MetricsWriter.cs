using System.Text;
using CsvHelper;

namespace Totoro.Net.Hosting;

/// <summary>
/// Appends <see cref="MetricsRow"/>s to DIR/metrics.csv (CsvHelper), each row written through at once. A row the disk
/// cannot take (full, gone) is dropped and counted, and the file is cut back to its last whole row: a node keeps
/// running on a full disk (an IOException here once ended a node's event loop), and the file stays a valid CSV.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly StringWriter _text = new(System.Globalization.CultureInfo.InvariantCulture);
    private readonly CsvWriter _csv;
    private long _length; // bytes of whole rows in the file

    public MetricsWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, "metrics.csv");
        // Unbuffered: a write that fails leaves nothing queued to fail again, or to land half a row later.
        _file = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _csv = CsvWriter.Create(_text);
        _csv.WriteHeader<MetricsRow>();
        Append();
    }

    public string Path { get; }

    /// <summary>Rows the disk did not take.</summary>
    public long RowsDropped { get; private set; }

    /// <summary>Why the last row was dropped (null: none was).</summary>
    public string? LastError { get; private set; }

    /// <summary>Writes one row; false when the disk did not take it (counted in <see cref="RowsDropped"/>).</summary>
    public bool Write(MetricsRow row)
    {
        _csv.WriteRecord(row);
        return Append();
    }

    private bool Append()
    {
        _csv.Flush();
        byte[] bytes = Encoding.UTF8.GetBytes(_text.ToString());
        _text.GetStringBuilder().Clear();
        try
        {
            _file.Write(bytes);
            _length += bytes.Length;
            return true;
        }
        catch (IOException ex)
        {
            RowsDropped++;
            LastError = ex.Message;
            try
            {
                if (_file.CanSeek)
                {
                    _file.SetLength(_length); // a part of the row may have landed: cut it, so the next row starts a line
                    _file.Position = _length;
                }
            }
            catch (IOException)
            {
                // the disk refuses even that: the next row tries again
            }

            return false;
        }
    }

    public void Dispose()
    {
        _csv.Dispose();
        _text.Dispose();
        _file.Dispose();
    }
}
