using System.Diagnostics;

namespace Totoro.Sim.Scenarios;

/// <summary>The process's peak resident memory (VmHWM on Linux), the figure that decides whether a run fits a machine.</summary>
public static class PeakMemory
{
    public static long Bytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64;
    }
}
