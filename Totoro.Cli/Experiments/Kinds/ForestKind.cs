using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: forest`: A apps' trees on an overlay, one broadcast and one aggregation round each; tree shapes, the
/// two halves' times, roots per node and per-node traffic (Figs. 6a/6b/6c, 7).
/// </summary>
internal sealed partial class ForestKind : ExperimentKind<ForestParameters, ForestKind.Row>
{
    private const double MB = 1_000_000;

    public override string Name => "forest";

    public override string Description => "apps' trees: one broadcast and one aggregation; times, depth, traffic";

    protected override IReadOnlyList<string> Validate(ForestParameters parameters) => parameters.ValidateForest();

    protected override double Cost(ForestParameters parameters) =>
        parameters.Nodes + ((double)parameters.Apps * (parameters.AllSubscribe ? parameters.Nodes : parameters.SubscribersPerApp));

    protected override PointResult Run(ForestParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        SimReport report = new ForestScenario(parameters.ToOverlayConfig(seed), parameters.ToForestConfig()).Run(progress);
        ForestSection f = report.Forest!;
        return new PointResult(new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            Topology: parameters.Topology,
            Apps: f.Apps,
            SubscribersPerApp: f.SubscribersPerApp,
            ModelBytes: f.ModelBytes,
            Fanout: f.Fanout,
            UplinkMbps: parameters.UplinkMbps ?? 0,
            MeanDepth: f.MeanDepth,
            MaxDepth: f.MaxDepth,
            DisseminationMs: f.MeanDisseminationMs,
            MaxDisseminationMs: f.Trees.Max(t => t.DisseminationMs),
            AggregationMs: f.MeanAggregationMs,
            MaxAggregationMs: f.Trees.Max(t => t.AggregationMs),
            Delivered: f.BroadcastsDelivered,
            Duplicates: f.DuplicateDeliveries,
            Contributions: f.ContributionsAggregated,
            MaxRootsPerNode: f.RootsPerNode.Max,
            PerNodeMeanMB: Math.Round(f.PerNodeTrafficBytes.Mean / MB, 4),
            PerNodeP99MB: Math.Round(f.PerNodeTrafficBytes.P99 / MB, 4),
            PerNodeMaxMB: Math.Round(f.PerNodeTrafficBytes.Max / MB, 4),
            CentralServerMB: Math.Round(f.CentralServerTrafficBytes / MB, 4),
            ControlMessages: f.ControlMessages));
    }

    /// <summary>One round on the forest. uplinkMbps 0 means drawn per node from 50–200 Mbit/s.</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        string Topology,
        int Apps,
        int SubscribersPerApp,
        int ModelBytes,
        int Fanout,
        double UplinkMbps,
        double MeanDepth,
        int MaxDepth,
        double DisseminationMs,
        double MaxDisseminationMs,
        double AggregationMs,
        double MaxAggregationMs,
        int Delivered,
        int Duplicates,
        long Contributions,
        double MaxRootsPerNode,
        double PerNodeMeanMB,
        double PerNodeP99MB,
        double PerNodeMaxMB,
        double CentralServerMB,
        long ControlMessages);
}
