namespace Totoro.Net.Hosting;

/// <summary>
/// One line of a host's metrics.csv: counts since the host started, and CPU (% of one core, over the last
/// interval) and memory of the whole process. TreeBytesIn/Out: the part of the bytes that is the trees' own data (models and updates). Per logical node: divide by <see cref="Nodes"/>.
/// </summary>
[CsvHelper.CsvRecord]
public sealed partial record MetricsRow(
    double TimeSeconds,
    int Nodes,
    int Joined,
    long MessagesIn,
    long MessagesOut,
    long LocalMessages,
    long BytesIn,
    long BytesOut,
    long Dropped,
    int Connections,
    double CpuPercent,
    long RssBytes,
    double MemoryPercent,
    int Apps,
    long TreeBytesIn,
    long TreeBytesOut);
