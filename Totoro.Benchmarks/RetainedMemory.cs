using System.Globalization;
using Totoro.Sim.Scenarios;

namespace Totoro.Benchmarks;

/// <summary>Live heap per node of a settled overlay: the heap after a full collection, before and after building it.</summary>
internal static class RetainedMemory
{
    public static void Print(int nodes)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var scenario = new OverlayScenario(new OverlaySimConfig { Nodes = nodes, Lookups = 0, Seed = 1 });
        scenario.BuildOverlay();
        scenario.Settle(1);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        long peak = PeakMemory.Bytes();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nodes {nodes}: live heap {(after - before) / 1048576.0:F1} MiB = {(double)(after - before) / nodes:F0} bytes per node; process peak {peak / 1048576.0:F0} MiB = {(double)peak / nodes:F0} bytes per node"));
        GC.KeepAlive(scenario);
    }
}
