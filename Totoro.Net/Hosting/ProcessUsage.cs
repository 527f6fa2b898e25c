using System.Diagnostics;

namespace Totoro.Net.Hosting;

/// <summary>CPU and memory of this process between two samples: CPU % of one core, resident set, share of RAM.</summary>
public sealed class ProcessUsage
{
    private readonly Process _process = Process.GetCurrentProcess();
    private TimeSpan _lastCpu;
    private long _lastWall;

    public ProcessUsage(long nowMicros)
    {
        _lastCpu = _process.TotalProcessorTime;
        _lastWall = nowMicros;
    }

    public (double CpuPercent, long RssBytes, double MemoryPercent) Sample(long nowMicros)
    {
        _process.Refresh();
        TimeSpan cpu = _process.TotalProcessorTime;
        long wall = nowMicros - _lastWall;
        double percent = wall > 0 ? 100.0 * (cpu - _lastCpu).TotalMicroseconds / wall : 0;
        _lastCpu = cpu;
        _lastWall = nowMicros;
        long rss = _process.WorkingSet64;
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return (percent, rss, total > 0 ? 100.0 * rss / total : 0);
    }
}
