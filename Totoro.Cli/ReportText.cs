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
        if (o.Lookups > 0) // a run that routed none (training, --lookups 0) has no hops or latency to show
        {
            text.AppendLine(c, $"Lookups   {o.Delivered:N0}/{o.Lookups:N0} delivered, {o.Correct:N0} correct (brute-force oracle)");
            text.AppendLine(c, $"Hops      mean {o.MeanHops:F3}, p99 {o.P99Hops}, max {o.MaxHops}   (log_2^b N = {o.LogBaseN:F3})");
            text.AppendLine(c, $"Latency   mean {o.MeanLatencyMs:F1} ms, stretch {o.MeanStretch:F2}");
        }

        if (report.Rings is { Zones: > 1 } z)
        {
            text.AppendLine(c, $"Zones     {z.Zones} on {report.Network.Topology} (m = {z.PrefixBits} bits); region match {z.RegionMatchFraction:P1}, mean intra-zone RTT {z.MeanIntraZoneRttMs:F1} ms");
            text.AppendLine(c, $"  local   {z.ZoneLocal.Correct:N0}/{z.ZoneLocal.Lookups:N0} correct, mean hops {z.ZoneLocal.MeanHops:F3}, latency {z.ZoneLocal.MeanLatencyMs:F1} ms, stretch {z.ZoneLocal.MeanStretch:F2}; {o.ZoneLeaks} leaked");
            text.AppendLine(c, $"  cross   {z.CrossZone.Correct:N0}/{z.CrossZone.Lookups:N0} correct, max hops {z.CrossZone.MaxHops} (bound m·log N = {z.CrossZoneHopBound:F1}), latency {z.CrossZone.MeanLatencyMs:F1} ms; {o.InterZoneMessages:N0} inter-zone messages, {o.RefusedMessages:N0} refused");
        }

        text.AppendLine(c, $"Network   {report.Network.Messages:N0} messages, {report.Network.Bytes / 1e6:F1} MB, {report.Network.Lost:N0} lost");
        text.AppendLine(c, $"Run       {r.Events:N0} events in {r.WallSeconds:F1} s ({r.EventsPerSecond / 1e6:F2} M events/s), {r.SimulatedSeconds:F0} s simulated");
        if (report.Forest is { } f)
        {
            text.AppendLine(c, $"Forest    {f.Apps} apps x {f.SubscribersPerApp} subscribers, fanout {f.Fanout}, model {f.ModelBytes:N0} B");
            text.AppendLine(c, $"Trees     depth mean {f.MeanDepth:F2} max {f.MaxDepth}; {f.BroadcastsDelivered:N0} deliveries ({f.DuplicateDeliveries} duplicates); {f.ContributionsAggregated:N0} contributions aggregated");
            text.AppendLine(c, $"Times     dissemination mean {f.MeanDisseminationMs:F0} ms, aggregation mean {f.MeanAggregationMs:F0} ms");
            text.AppendLine(c, $"Roots     per node max {f.RootsPerNode.Max}, p99 {f.RootsPerNode.P99}, p99.5 {f.RootsPerNode.P995}");
            text.AppendLine(c, $"Traffic   per node mean {f.PerNodeTrafficBytes.Mean / 1e6:F2} MB, p99 {f.PerNodeTrafficBytes.P99 / 1e6:F2} MB, max {f.PerNodeTrafficBytes.Max / 1e6:F2} MB; a central server: {f.CentralServerTrafficBytes / 1e6:F1} MB");
            if (f.RealVectors && report.Learning is null)
                text.AppendLine(c, $"Exactness max |tree average - flat average| = {f.MaxAverageError:G3}");
        }

        if (report.Planning is { } p)
        {
            text.AppendLine(c, $"Planning  {p.Planner} (ε {p.Epsilon}), {p.Flows} {(p.Trees ? "tree" : "worker→master")} flows of {p.Apps} apps on {p.Nodes} nodes / {p.Links} links, {p.Packets:N0} rounds");
            text.AppendLine(c, $"  cost    cumulative latency {p.CumulativeLatencySeconds:F1} s, mean round {p.MeanRoundSeconds:F3} s, regret {p.Regret:F1} s");
            text.AppendLine(c, $"  game    nash gap {p.NashGap:P2}, nash regret {p.NashRegret:F1} s, {p.Moves:N0} moves");
        }

        if (report.Learning is { } fl)
        {
            text.AppendLine(c, $"Training  {fl.System} ({fl.Mode} mode): {fl.Apps} x {fl.Model} ({fl.Parameters:N0} parameters) on {fl.Dataset} {fl.Partition}, {fl.WorkersPerApp} workers, {fl.ClientsPerRound} per round, {fl.Rule}, {fl.Selection} selection");
            foreach (AppLearningReport app in fl.PerApp)
            {
                string target = app.TimeToTargetSeconds is { } t ? $", target at {t:F1} s" : "";
                text.AppendLine(c, $"  {app.App}: {app.Rounds} rounds, accuracy {app.FinalAccuracy * 100:F1}%, mean round {app.RoundSeconds:F2} s, done at {app.TotalSeconds:F1} s{target}");
            }

            text.AppendLine(c, $"  total training time {fl.TotalTrainingSeconds:F1} s (simulated)");
        }

        if (report.Churn is { } churn)
            ChurnText.Append(text, churn);

        text.AppendLine(c, $"Memory    peak {r.PeakMemoryBytes / 1048576.0:F0} MiB, {r.BytesPerNode:F0} bytes per node");
        return text.ToString();
    }
}
