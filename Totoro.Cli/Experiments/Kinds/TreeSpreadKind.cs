using CsvHelper;
using ScottPlot;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: tree-spread` (paper Fig. 5d): A apps' trees on the EUA topology; where the roots (masters), forwarders and
/// leaves of every tree sit, by tree level, on a latitude/longitude map; per point, how spread they are.
/// </summary>
internal sealed partial class TreeSpreadKind : ExperimentKind<ForestParameters, TreeSpreadKind.Row>
{
    public override string Name => "tree-spread";

    public override string Description => "where trees' roots, forwarders and leaves sit on the EUA map";

    protected override IReadOnlyList<string> Validate(ForestParameters parameters) => parameters.ValidateOnEua(Name, "draws a map of the EUA sites");

    protected override double Cost(ForestParameters parameters) => parameters.Nodes + ((double)parameters.Apps * parameters.SubscribersPerApp);

    protected override PointResult Run(ForestParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        var scenario = new ForestScenario(parameters.ToOverlayConfig(seed), parameters.ToForestConfig());
        ForestSection f = scenario.Run(progress).Forest!;
        var eua = (EuaTopology)scenario.World.Topology;
        var members = new List<MemberRow>();
        foreach (ForestScenario.AppRun app in scenario.Apps.OrderBy(a => a.Number))
        {
            // Breadth-first from the root: level 0 is the master.
            var frontier = new Queue<(int Node, int Level)>();
            var seen = new HashSet<int>();
            frontier.Enqueue((app.Root, 0));
            while (frontier.Count > 0)
            {
                (int node, int level) = frontier.Dequeue();
                if (!seen.Add(node) || !scenario.Node(node).TryGetTree(app.Id, out TreeInfo info))
                    continue;
                string role = level == 0 ? "master" : info.Children.Length > 0 ? "forwarder" : "leaf";
                (double lat, double lon) = eua.Position(node);
                members.Add(new MemberRow(seed, app.Number, node, level, role, info.IsSubscriber, eua.RegionName(eua.RegionOf(node)),
                    Math.Round(lat, 4), Math.Round(lon, 4), Math.Round(eua.DistanceKm(app.Root, node), 1)));
                foreach (PeerHandle child in info.Children)
                    frontier.Enqueue((child.Index, level + 1));
            }
        }

        List<MemberRow> masters = members.Where(m => m.Role == "master").ToList();
        List<MemberRow> forwarders = members.Where(m => m.Role == "forwarder").ToList();
        var row = new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            Apps: f.Apps,
            SubscribersPerApp: f.SubscribersPerApp,
            Fanout: f.Fanout,
            MeanDepth: f.MeanDepth,
            MaxDepth: f.MaxDepth,
            TreeNodes: members.Count,
            DistinctMasters: masters.Select(m => m.Node).Distinct().Count(),
            MasterRegions: masters.Select(m => m.Region).Distinct().Count(),
            ForwarderRegions: forwarders.Select(m => m.Region).Distinct().Count(),
            MeanRegionsPerTree: Math.Round(members.GroupBy(m => m.App).Average(g => g.Select(m => m.Region).Distinct().Count()), 3),
            MeanKmToMaster: Math.Round(members.Where(m => m.Level > 0).Average(m => m.KmToMaster), 1),
            NodesInTrees: members.Select(m => m.Node).Distinct().Count());
        return new PointResult(row, members);
    }

    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        var members = (List<MemberRow>)results[0].Detail!;
        string csv = Path.Combine(directory, "tree-members.csv");
        using (var writer = new StreamWriter(csv))
        using (CsvWriter csvWriter = CsvWriter.Create(writer))
            csvWriter.WriteRecords(results.SelectMany(r => (List<MemberRow>)r.Detail!));

        // Map of the first point: leaves first (small), deeper levels under shallower ones, masters on top.
        var plot = new Plot();
        var row = (Row)results[0].Row;
        int maxLevel = members.Max(m => m.Level);
        var palette = new ScottPlot.Palettes.Category10();
        for (int level = maxLevel; level >= 0; level--)
        {
            List<MemberRow> at = members.Where(m => m.Level == level).ToList();
            if (at.Count == 0)
                continue;
            var scatter = plot.Add.Scatter(at.Select(m => m.Longitude).ToArray(), at.Select(m => m.Latitude).ToArray());
            scatter.LineWidth = 0;
            scatter.MarkerSize = level == 0 ? 14 : Math.Max(4, 10 - level);
            scatter.MarkerShape = level == 0 ? MarkerShape.FilledDiamond : MarkerShape.FilledCircle;
            scatter.Color = palette.GetColor(level);
            scatter.LegendText = level == 0 ? $"M: masters ({at.Count})" : $"L{level} ({at.Count} nodes)";
        }

        plot.Title($"{row.Apps} trees on {row.Nodes:N0} EUA nodes (fanout {row.Fanout}), by tree level");
        plot.XLabel("longitude (°E)");
        plot.YLabel("latitude (°)");
        plot.Axes.SetLimits(110, 156, -45, -9); // mainland Australia and Tasmania; remote islands fall outside
        plot.ShowLegend(Alignment.UpperRight);
        string png = Path.Combine(directory, "tree-spread.png");
        plot.SavePng(png, 900, 760);
        return [csv, png];
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int Apps,
        int SubscribersPerApp,
        int Fanout,
        double MeanDepth,
        int MaxDepth,
        int TreeNodes,
        int DistinctMasters,
        int MasterRegions,
        int ForwarderRegions,
        double MeanRegionsPerTree,
        double MeanKmToMaster,
        int NodesInTrees);

    /// <summary>tree-members.csv: one tree node (its app, level, role, region and place).</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record MemberRow(
        ulong Seed,
        int App,
        int Node,
        int Level,
        string Role,
        bool Subscriber,
        string Region,
        double Latitude,
        double Longitude,
        double KmToMaster);
}
