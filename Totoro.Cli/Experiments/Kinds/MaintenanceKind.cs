using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: tree-maintenance` (paper Fig. 7): A apps' trees built and run for one round, then kept alive with no round
/// running; per node, the bytes a second it sends plus receives for the overlay's and the trees' maintenance (the
/// round's model bytes reported apart), and a simulated central server's keep-alive sessions for the same load.
/// </summary>
internal sealed partial class MaintenanceKind : ExperimentKind<MaintenanceParameters, MaintenanceKind.Row>
{
    private const double MB = 1_000_000;

    public override string Name => "tree-maintenance";

    public override string Description => "what a node pays a second to keep its trees alive, against a central server";

    protected override IReadOnlyList<string> Validate(MaintenanceParameters parameters) => parameters.ValidateMaintenance();

    protected override double Cost(MaintenanceParameters parameters) => parameters.Nodes + ((double)parameters.Apps * parameters.SubscribersPerApp);

    protected override PointResult Run(MaintenanceParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        var scenario = new ForestScenario(parameters.ToOverlayConfig(seed), parameters.ToForestConfig());
        ForestSection f = scenario.Run(progress).Forest!;
        long heartbeat = new TreeOptions().HeartbeatPeriodMicros;
        MaintenanceSection m = scenario.MeasureMaintenance((long)(parameters.WindowSeconds * 1e6), 2 * heartbeat);
        // What the trees ask of a node, counted from every node's tables: memberships, (tree, child) edges (what one
        // keep-alive per tree would send a period) and distinct child neighbours (what one per neighbour sends).
        double memberships = 0, edges = 0, neighbours = 0;
        var children = new HashSet<int>();
        for (int i = 0; i < scenario.World.NodeCount; i++)
        {
            children.Clear();
            foreach (NodeId app in scenario.Node(i).Trees)
            {
                memberships++;
                if (scenario.Node(i).TryGetTree(app, out TreeInfo info))
                {
                    edges += info.Children.Length;
                    foreach (PeerHandle child in info.Children)
                        children.Add(child.Index);
                }
            }

            neighbours += children.Count;
        }

        int n = scenario.World.NodeCount;
        return new PointResult(new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            Apps: f.Apps,
            SubscribersPerApp: f.SubscribersPerApp,
            Fanout: f.Fanout,
            MeanDepth: f.MeanDepth,
            TreesPerNode: Math.Round(memberships / n, 2),
            ChildEdgesPerNode: Math.Round(edges / n, 2),
            ChildNeighboursPerNode: Math.Round(neighbours / n, 2),
            ControlBpsMean: Math.Round(m.ControlBytesPerSecond.Mean, 1),
            ControlBpsMax: Math.Round(m.ControlBytesPerSecond.Max, 1),
            TreeBpsMean: Math.Round(m.TreeBytesPerSecond.Mean, 1),
            TreeBpsMax: Math.Round(m.TreeBytesPerSecond.Max, 1),
            OverlayBpsMean: Math.Round(m.OverlayBytesPerSecond.Mean, 1),
            TreeMsgsPerSecMean: Math.Round(m.TreeMessagesPerSecond.Mean, 3),
            TreeMsgsPerSecMax: Math.Round(m.TreeMessagesPerSecond.Max, 3),
            KeepAlives: m.KeepAlivesSent,
            KeepAliveLists: m.KeepAliveLists,
            WatchKeepAlives: m.WatchKeepAlivesSent,
            CentralServerBps: m.CentralServerBytesPerSecond,
            CentralServerMsgsPerSec: m.CentralServerMessagesPerSecond,
            CentralWorkerBpsMean: Math.Round(m.CentralWorkerBytesPerSecond.Mean, 1),
            ModelMBPerNodeMean: Math.Round(f.PerNodeTrafficBytes.Mean / MB, 4),
            ModelMBPerNodeMax: Math.Round(f.PerNodeTrafficBytes.Max / MB, 4)),
            Detail: m.ByKind.Select(k => new KindRow(seed, f.Apps, k.Kind, k.Messages, k.Bytes,
                Math.Round(k.Messages / (double)n / parameters.WindowSeconds, 4), Math.Round(2 * k.Bytes / (double)n / parameters.WindowSeconds, 2))).ToList());
    }

    /// <summary>ratios.csv: each point's figures over its seed's point with the fewest trees (the paper's Fig. 7 axis).</summary>
    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        var ratios = new List<RatioRow>();
        foreach (IGrouping<ulong, Row> seed in results.Select(r => (Row)r.Row).GroupBy(r => r.Seed))
        {
            Row first = seed.MinBy(r => r.Apps)!;
            static double Ratio(double value, double baseline) => baseline > 0 ? Math.Round(value / baseline, 3) : 0;
            foreach (Row r in seed.OrderBy(r => r.Apps))
            {
                ratios.Add(new RatioRow(r.Seed, r.Apps, first.Apps, Ratio(r.TreesPerNode, first.TreesPerNode),
                    Ratio(r.ControlBpsMean, first.ControlBpsMean), Ratio(r.ControlBpsMax, first.ControlBpsMax),
                    Ratio(r.TreeBpsMean, first.TreeBpsMean), Ratio(r.ChildNeighboursPerNode, first.ChildNeighboursPerNode),
                    Ratio(r.ChildEdgesPerNode, first.ChildEdgesPerNode), Ratio(r.CentralServerBps, first.CentralServerBps),
                    Ratio(r.CentralWorkerBpsMean, first.CentralWorkerBpsMean), Ratio(r.ModelMBPerNodeMean, first.ModelMBPerNodeMean)));
            }
        }

        string csv = Path.Combine(directory, "ratios.csv");
        using (var writer = new StreamWriter(csv))
        using (CsvHelper.CsvWriter csvWriter = CsvHelper.CsvWriter.Create(writer))
            csvWriter.WriteRecords(ratios);

        // kinds.csv: where each point's window went, kind by kind (what the profile of the trees' bytes reads).
        string kinds = Path.Combine(directory, "kinds.csv");
        using (var writer = new StreamWriter(kinds))
        using (CsvHelper.CsvWriter csvWriter = CsvHelper.CsvWriter.Create(writer))
            csvWriter.WriteRecords(results.SelectMany(r => (List<KindRow>?)r.Detail ?? []).OrderBy(k => k.Seed).ThenBy(k => k.Apps).ThenBy(k => k.Kind, StringComparer.Ordinal));
        return [csv, kinds];
    }

    /// <summary>
    /// One kind's messages in a point's window, all nodes together; per node a second: messages sent, and bytes sent
    /// plus received (each message counted at both ends, as the Bps columns are).
    /// </summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record KindRow(ulong Seed, int Apps, string Kind, long Messages, long Bytes, double SentPerNodePerSec, double BpsPerNode);

    /// <summary>A point's figures divided by those of its seed's point with <see cref="BaseApps"/> trees.</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record RatioRow(
        ulong Seed,
        int Apps,
        int BaseApps,
        double TreesPerNode,
        double ControlMean,
        double ControlMax,
        double TreeMean,
        double ChildNeighbours,
        double ChildEdges,
        double CentralServer,
        double CentralWorkerMean,
        double ModelMean);

    /// <summary>
    /// One point. Bps: bytes a second sent plus received (link overhead included) over the window; Control = overlay +
    /// trees; the model columns are the one round's bytes (broadcast and aggregation), counted apart.
    /// </summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int Apps,
        int SubscribersPerApp,
        int Fanout,
        double MeanDepth,
        double TreesPerNode,
        double ChildEdgesPerNode,
        double ChildNeighboursPerNode,
        double ControlBpsMean,
        double ControlBpsMax,
        double TreeBpsMean,
        double TreeBpsMax,
        double OverlayBpsMean,
        double TreeMsgsPerSecMean,
        double TreeMsgsPerSecMax,
        long KeepAlives,
        long KeepAliveLists,
        long WatchKeepAlives,
        double CentralServerBps,
        double CentralServerMsgsPerSec,
        double CentralWorkerBpsMean,
        double ModelMBPerNodeMean,
        double ModelMBPerNodeMax);
}
