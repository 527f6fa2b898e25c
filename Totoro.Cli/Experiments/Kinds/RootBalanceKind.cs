using CsvHelper;
using ScottPlot;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: root-balance` (paper Fig. 5b): T trees with one subscriber each on N nodes; how many trees each node is
/// the root (master) of, against the closed form for uniform ids: a node's arc of the ring is Gamma(2)-distributed,
/// so roots per node are negative binomial, P(k) = (k+1)·p²·(1−p)^k with p = 2/(2 + T/N).
/// </summary>
internal sealed partial class RootBalanceKind : ExperimentKind<RootBalanceKind.Parameters, RootBalanceKind.Row>
{
    public override string Name => "root-balance";

    public override string Description => "roots (masters) per node for T trees; normal probability plot";

    protected override IReadOnlyList<string> Validate(Parameters parameters)
    {
        var problems = new List<string>(parameters.ValidateWorld());
        if (parameters.Trees < 1)
            problems.Add($"'trees' must be at least 1 (got {parameters.Trees})");
        return problems;
    }

    protected override double Cost(Parameters parameters) => parameters.Nodes + parameters.Trees;

    protected override PointResult Run(Parameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        var forest = new ForestSimConfig { Apps = parameters.Trees, SubscribersPerApp = 1 };
        ForestSection f = new ForestScenario(parameters.ToOverlayConfig(seed), forest).Run(progress).Forest!;
        var roots = new int[parameters.Nodes];
        foreach (AppTreeReport tree in f.Trees)
            roots[tree.Root]++;
        Array.Sort(roots);
        double lambda = (double)parameters.Trees / parameters.Nodes;
        double p = 2 / (2 + lambda);
        double closedForm = Enumerable.Range(0, 4).Sum(k => (k + 1) * p * p * Math.Pow(1 - p, k));
        var row = new Row(
            seed,
            parameters.Nodes,
            parameters.Trees,
            Math.Round(roots.Average(), 4),
            Math.Round(100.0 * roots.Count(r => r <= 3) / roots.Length, 3),
            Math.Round(100 * closedForm, 3),
            Math.Round(100.0 * roots.Count(r => r == 0) / roots.Length, 3),
            f.RootsPerNode.P99,
            f.RootsPerNode.P995,
            roots[^1]);
        return new PointResult(row, roots);
    }

    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        // One histogram and one probability-plot line per tree count (all seeds pooled).
        var histogram = new List<HistogramRow>();
        var plot = new Plot();
        foreach (IGrouping<int, PointResult> group in results.GroupBy(r => ((Row)r.Row).Trees).OrderBy(g => g.Key))
        {
            int[] sorted = group.SelectMany(r => (int[])r.Detail!).Order().ToArray();
            int cumulative = 0;
            for (int k = 0; k <= sorted[^1]; k++)
            {
                int count = sorted.Count(r => r == k);
                cumulative += count;
                histogram.Add(new HistogramRow(group.Key, k, count, Math.Round(100.0 * cumulative / sorted.Length, 3)));
            }

            var ys = new double[sorted.Length];
            for (int i = 0; i < sorted.Length; i++)
                ys[i] = NormalQuantile.Of((i + 0.5) / sorted.Length);
            var markers = plot.Add.Scatter(sorted.Select(r => (double)r).ToArray(), ys);
            markers.LineWidth = 0;
            markers.MarkerSize = 6;
            markers.LegendText = $"{group.Key:N0} trees";
        }

        var paper = plot.Add.HorizontalLine(NormalQuantile.Of(0.995));
        paper.LinePattern = LinePattern.Dashed;
        paper.LegendText = "99.5th percentile (paper: 500 trees → 3 roots)";
        double[] percents = [0.1, 1, 10, 50, 90, 99, 99.5, 99.9];
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            percents.Select(x => NormalQuantile.Of(x / 100)).ToArray(),
            percents.Select(x => $"{x}%").ToArray());
        var nodes = ((Row)results[0].Row).Nodes;
        plot.Title($"Application masters (roots) per node, {nodes:N0} nodes (normal probability plot)");
        plot.XLabel("application masters (tree roots) per node");
        plot.YLabel("percentile of nodes (normal scale)");
        plot.ShowLegend(Alignment.LowerRight);
        string png = Path.Combine(directory, "roots-per-node.png");
        plot.SavePng(png, 900, 560);

        string csv = Path.Combine(directory, "roots-per-node.csv");
        using (var writer = new StreamWriter(csv))
        using (CsvWriter csvWriter = CsvWriter.Create(writer))
            csvWriter.WriteRecords(histogram);
        return [csv, png];
    }

    internal sealed class Parameters : WorldParameters
    {
        public Parameters() => Lookups = 0;

        public int Trees { get; set; } = 500;
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int Trees,
        double MeanRootsPerNode,
        double AtMost3RootsPercent,
        double ClosedFormAtMost3Percent,
        double NoRootPercent,
        double P99Roots,
        double P995Roots,
        int MaxRoots);

    /// <summary>roots-per-node.csv: how many nodes are the root of exactly k trees, and the cumulative share.</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record HistogramRow(int Trees, int Roots, int Nodes, double CumulativePercent);
}
