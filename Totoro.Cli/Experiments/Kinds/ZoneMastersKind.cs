using CsvHelper;
using ScottPlot;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: zone-masters` (paper Figs. 5a/5c): EUA nodes binned into edge zones (5a: the zones on the map) and T apps
/// created by random nodes; how many masters (roots) each zone holds against how many nodes it has (5c). With
/// `confineApps` an app's id takes its creator's zone prefix, so masters follow the nodes; without, app ids are
/// uniform over the whole ring, and each zone's share is its share of the id space, whatever its size.
/// </summary>
internal sealed partial class ZoneMastersKind : ExperimentKind<ForestParameters, ZoneMastersKind.Row>
{
    public override string Name => "zone-masters";

    public override string Description => "edge zones of the EUA nodes and the masters each zone holds";

    protected override IReadOnlyList<string> Validate(ForestParameters parameters)
    {
        List<string> problems = parameters.ValidateOnEua(Name, "counts masters per EUA zone");
        if (parameters.Zones < 2)
            problems.Add($"kind zone-masters needs 'zones' of at least 2 (got {parameters.Zones})");
        return problems;
    }

    protected override double Cost(ForestParameters parameters) => parameters.Nodes + ((double)parameters.Apps * parameters.SubscribersPerApp);

    protected override PointResult Run(ForestParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        var scenario = new ForestScenario(parameters.ToOverlayConfig(seed), parameters.ToForestConfig());
        scenario.Overlay.BuildOverlay(progress);
        scenario.Overlay.Settle(2);
        scenario.Subscribe(progress);
        var eua = (EuaTopology)scenario.World.Topology;
        int zones = parameters.Zones;
        var nodes = new int[zones];
        var masters = new int[zones];
        var regionVotes = new Dictionary<string, int>[zones];
        for (int z = 0; z < zones; z++)
            regionVotes[z] = [];
        for (int n = 0; n < parameters.Nodes; n++)
        {
            int z = scenario.Overlay.ZoneOfNode(n);
            nodes[z]++;
            string region = eua.RegionName(eua.RegionOf(n));
            regionVotes[z][region] = regionVotes[z].GetValueOrDefault(region) + 1;
        }

        foreach (ForestScenario.AppRun app in scenario.Apps)
            masters[scenario.Overlay.ZoneOfNode(app.Root)]++;

        var zoneRows = Enumerable.Range(0, zones).Select(z => new ZoneRow(seed, parameters.Apps, parameters.ConfineApps, z,
            regionVotes[z].Count == 0 ? "-" : regionVotes[z].MaxBy(v => v.Value).Key, nodes[z], masters[z],
            Math.Round(100.0 * nodes[z] / parameters.Nodes, 2), Math.Round(100.0 * masters[z] / parameters.Apps, 2))).ToList();
        var row = new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            Zones: zones,
            Trees: parameters.Apps,
            ConfineApps: parameters.ConfineApps,
            ZonesWithNodes: nodes.Count(n => n > 0),
            Correlation: Math.Round(Pearson(nodes, masters), 4),
            DensestZoneNodePercent: zoneRows.MaxBy(r => r.Nodes)!.NodePercent,
            DensestZoneMasterPercent: zoneRows.MaxBy(r => r.Nodes)!.MasterPercent,
            SparsestZoneNodePercent: zoneRows.Where(r => r.Nodes > 0).MinBy(r => r.Nodes)!.NodePercent,
            SparsestZoneMasterPercent: zoneRows.Where(r => r.Nodes > 0).MinBy(r => r.Nodes)!.MasterPercent,
            MaxMastersPerZone: masters.Max(),
            MinMastersPerZone: masters.Where((_, z) => nodes[z] > 0).Min());
        var placed = Enumerable.Range(0, parameters.Nodes).Select(n => (eua.Position(n), scenario.Overlay.ZoneOfNode(n))).ToArray();
        return new PointResult(row, (zoneRows, placed));
    }

    private static double Pearson(int[] x, int[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        var details = results.Select(r => ((List<ZoneRow> Zones, ((double Latitude, double Longitude) Position, int Zone)[] Placed))r.Detail!).ToList();
        string csv = Path.Combine(directory, "zone-masters.csv");
        using (var writer = new StreamWriter(csv))
        using (CsvWriter csvWriter = CsvWriter.Create(writer))
            csvWriter.WriteRecords(details.SelectMany(d => d.Zones));

        // Fig. 5a: the nodes on the map, coloured by the zone binning put them in.
        var map = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        foreach (IGrouping<int, ((double Latitude, double Longitude) Position, int Zone)> zone in details[0].Placed.GroupBy(p => p.Zone).OrderBy(g => g.Key))
        {
            var scatter = map.Add.Scatter(zone.Select(p => p.Position.Longitude).ToArray(), zone.Select(p => p.Position.Latitude).ToArray());
            scatter.LineWidth = 0;
            scatter.MarkerSize = 3;
            scatter.Color = palette.GetColor(zone.Key);
            scatter.LegendText = $"zone {zone.Key}: {details[0].Zones[zone.Key].Region} ({zone.Count():N0})";
        }

        map.Title($"Edge zones by distributed binning ({details[0].Placed.Length:N0} EUA nodes)");
        map.XLabel("longitude (°E)");
        map.YLabel("latitude (°)");
        map.Axes.SetLimits(110, 156, -45, -9);
        map.ShowLegend(Alignment.UpperRight);
        string mapPng = Path.Combine(directory, "zones.png");
        map.SavePng(mapPng, 900, 760);

        // Fig. 5c: masters per zone against nodes per zone, one series per (trees, confined).
        var plot = new Plot();
        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp];
        int s = 0;
        foreach (IGrouping<(int Trees, bool Confined), ZoneRow> series in details.SelectMany(d => d.Zones).Where(z => z.Nodes > 0).GroupBy(z => (z.Trees, z.ConfineApps)))
        {
            var byZone = series.GroupBy(z => z.Zone).Select(g => (Nodes: g.Average(z => z.Nodes), Masters: g.Average(z => z.Masters))).OrderBy(p => p.Nodes).ToArray();
            var scatter = plot.Add.Scatter(byZone.Select(p => p.Nodes).ToArray(), byZone.Select(p => p.Masters).ToArray());
            scatter.MarkerShape = shapes[s++ % shapes.Length];
            scatter.MarkerSize = 8;
            scatter.LineWidth = 1;
            scatter.LegendText = $"{series.Key.Trees} trees, {(series.Key.Confined ? "apps in their creator's zone" : "global app ids")}";
        }

        plot.Title("Masters per zone against nodes per zone (mean over seeds)");
        plot.XLabel("nodes in the zone");
        plot.YLabel("masters (roots) in the zone");
        plot.ShowLegend(Alignment.UpperLeft);
        string png = Path.Combine(directory, "masters-per-zone.png");
        plot.SavePng(png, 900, 560);
        return [csv, mapPng, png];
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int Zones,
        int Trees,
        bool ConfineApps,
        int ZonesWithNodes,
        double Correlation,
        double DensestZoneNodePercent,
        double DensestZoneMasterPercent,
        double SparsestZoneNodePercent,
        double SparsestZoneMasterPercent,
        int MaxMastersPerZone,
        int MinMastersPerZone);

    /// <summary>zone-masters.csv: one zone of one point (its main region, nodes and masters).</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record ZoneRow(ulong Seed, int Trees, bool ConfineApps, int Zone, string Region, int Nodes, int Masters, double NodePercent, double MasterPercent);
}
