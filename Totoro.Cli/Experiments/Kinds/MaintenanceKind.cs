using Totoro.Core.Forest;
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
        double memberships = 0;
        for (int i = 0; i < scenario.World.NodeCount; i++)
            memberships += scenario.Node(i).Trees.Count();
        return new PointResult(new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            Apps: f.Apps,
            SubscribersPerApp: f.SubscribersPerApp,
            Fanout: f.Fanout,
            MeanDepth: f.MeanDepth,
            TreesPerNode: Math.Round(memberships / scenario.World.NodeCount, 2),
            ControlBpsMean: Math.Round(m.ControlBytesPerSecond.Mean, 1),
            ControlBpsMax: Math.Round(m.ControlBytesPerSecond.Max, 1),
            TreeBpsMean: Math.Round(m.TreeBytesPerSecond.Mean, 1),
            TreeBpsMax: Math.Round(m.TreeBytesPerSecond.Max, 1),
            OverlayBpsMean: Math.Round(m.OverlayBytesPerSecond.Mean, 1),
            TreeMsgsPerSecMean: Math.Round(m.TreeMessagesPerSecond.Mean, 3),
            TreeMsgsPerSecMax: Math.Round(m.TreeMessagesPerSecond.Max, 3),
            KeepAlives: m.KeepAlivesSent,
            KeepAliveLists: m.KeepAliveLists,
            CentralServerBps: m.CentralServerBytesPerSecond,
            CentralServerMsgsPerSec: m.CentralServerMessagesPerSecond,
            CentralWorkerBpsMean: Math.Round(m.CentralWorkerBytesPerSecond.Mean, 1),
            ModelMBPerNodeMean: Math.Round(f.PerNodeTrafficBytes.Mean / MB, 4),
            ModelMBPerNodeMax: Math.Round(f.PerNodeTrafficBytes.Max / MB, 4)));
    }

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
        double ControlBpsMean,
        double ControlBpsMax,
        double TreeBpsMean,
        double TreeBpsMax,
        double OverlayBpsMean,
        double TreeMsgsPerSecMean,
        double TreeMsgsPerSecMax,
        long KeepAlives,
        long KeepAliveLists,
        double CentralServerBps,
        double CentralServerMsgsPerSec,
        double CentralWorkerBpsMean,
        double ModelMBPerNodeMean,
        double ModelMBPerNodeMax);
}
