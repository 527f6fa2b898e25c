using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>One row of sweep.csv: one sim, flattened.</summary>
[CsvHelper.CsvRecord]
internal sealed partial record SweepRow(
    int Nodes,
    int B,
    int LeafSet,
    int JoinedNodes,
    int LeafSetsExact,
    int Lookups,
    int Delivered,
    int Correct,
    double MeanHops,
    double P99Hops,
    int MaxHops,
    double LogBaseN,
    double MeanLatencyMs,
    double MeanStretch,
    double MeanRoutingEntries,
    long Messages,
    long Events,
    double SimulatedSeconds,
    double WallSeconds,
    double EventsPerSecond,
    long PeakMemoryBytes,
    double BytesPerNode,
    string Topology,
    int Zones,
    int ZoneLocalLookups,
    int ZoneLeaks,
    long InterZoneMessages)
{
    public static SweepRow From(SimReport r) => new(
        r.Overlay.Nodes, r.Overlay.B, r.Overlay.LeafSet, r.Overlay.JoinedNodes, r.Overlay.LeafSetsExact,
        r.Overlay.Lookups, r.Overlay.Delivered, r.Overlay.Correct, r.Overlay.MeanHops, r.Overlay.P99Hops,
        r.Overlay.MaxHops, r.Overlay.LogBaseN, r.Overlay.MeanLatencyMs, r.Overlay.MeanStretch,
        r.Overlay.MeanRoutingEntries, r.Network.Messages, r.Run.Events, r.Run.SimulatedSeconds, r.Run.WallSeconds,
        r.Run.EventsPerSecond, r.Run.PeakMemoryBytes, r.Run.BytesPerNode,
        r.Network.Topology, r.Overlay.Zones, r.Overlay.ZoneLocalLookups, r.Overlay.ZoneLeaks, r.Overlay.InterZoneMessages);
}
