using System.Globalization;
using System.Text;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>The readable summary printed without --json.</summary>
internal static class ReportText
{
    public static string Format(SimReport report)
    {
        OverlaySection o = report.Overlay;
        RunSection r = report.Run;
        var text = new StringBuilder();
        IFormatProvider c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"Overlay   {o.Nodes:N0} nodes (b = {o.B}, leaf set {o.LeafSet}); {o.JoinedNodes:N0} joined, {o.LeafSetsExact:N0} leaf sets exact");
        text.AppendLine(c, $"Routing   {o.MeanRoutingEntries:F1} routing-table entries per node");
        text.AppendLine(c, $"Lookups   {o.Delivered:N0}/{o.Lookups:N0} delivered, {o.Correct:N0} correct (brute-force oracle)");
        text.AppendLine(c, $"Hops      mean {o.MeanHops:F3}, p99 {o.P99Hops}, max {o.MaxHops}   (log_2^b N = {o.LogBaseN:F3})");
        text.AppendLine(c, $"Latency   mean {o.MeanLatencyMs:F1} ms, stretch {o.MeanStretch:F2}");
        text.AppendLine(c, $"Network   {report.Network.Messages:N0} messages, {report.Network.Bytes / 1e6:F1} MB, {report.Network.Lost:N0} lost");
        text.AppendLine(c, $"Run       {r.Events:N0} events in {r.WallSeconds:F1} s ({r.EventsPerSecond / 1e6:F2} M events/s), {r.SimulatedSeconds:F0} s simulated");
        text.AppendLine(c, $"Memory    peak {r.PeakMemoryBytes / 1048576.0:F0} MiB, {r.BytesPerNode:F0} bytes per node");
        return text.ToString();
    }
}
