using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>`kind: overlay`: join N nodes by messages, route lookups, check them against the oracle (hops against N).</summary>
internal sealed partial class OverlayKind : ExperimentKind<WorldParameters, OverlayKind.Row>
{
    public override string Name => "overlay";

    public override string Description => "Pastry overlay of N nodes: lookup hops, latency, stretch";

    protected override IReadOnlyList<string> Validate(WorldParameters parameters) => parameters.ValidateWorld();

    protected override double Cost(WorldParameters parameters) => parameters.Nodes;

    protected override PointResult Run(WorldParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        SimReport r = new OverlayScenario(parameters.ToOverlayConfig(seed)).Run(progress);
        return new PointResult(new Row(
            seed, r.Overlay.Nodes, r.Overlay.B, r.Overlay.LeafSet, r.Network.Topology, r.Overlay.Zones, r.Overlay.JoinedNodes,
            r.Overlay.LeafSetsExact, r.Overlay.Lookups, r.Overlay.Correct, r.Overlay.MeanHops, r.Overlay.P99Hops,
            r.Overlay.MaxHops, r.Overlay.LogBaseN, r.Overlay.MeanLatencyMs, r.Overlay.MeanStretch, r.Run.Events,
            Math.Round(r.Run.WallSeconds, 2)));
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int B,
        int LeafSet,
        string Topology,
        int Zones,
        int JoinedNodes,
        int LeafSetsExact,
        int Lookups,
        int Correct,
        double MeanHops,
        double P99Hops,
        int MaxHops,
        double LogBaseN,
        double MeanLatencyMs,
        double MeanStretch,
        long Events,
        double WallSeconds);
}
