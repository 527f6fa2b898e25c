using ScottPlot;

namespace Totoro.Cli;

/// <summary>hops.png: mean and p99 hops against N on a log axis, with log_{2^b} N for reference.</summary>
internal static class SweepPlot
{
    public static void WriteHops(string path, IReadOnlyList<SweepRow> rows)
    {
        double[] x = rows.Select(r => Math.Log10(r.Nodes)).ToArray();
        var plot = new Plot();
        var mean = plot.Add.Scatter(x, rows.Select(r => r.MeanHops).ToArray());
        mean.LegendText = "mean hops";
        mean.MarkerSize = 8;
        var p99 = plot.Add.Scatter(x, rows.Select(r => r.P99Hops).ToArray());
        p99.LegendText = "p99 hops";
        p99.MarkerSize = 8;
        var bound = plot.Add.Scatter(x, rows.Select(r => r.LogBaseN).ToArray());
        bound.LegendText = $"log_{1 << rows[0].B} N";
        bound.LinePattern = LinePattern.Dashed;
        bound.MarkerSize = 0;

        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Pow(10, v).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Title($"Pastry lookup hops vs overlay size (b = {rows[0].B}, leaf set {rows[0].LeafSet})");
        plot.XLabel("nodes N (log scale)");
        plot.YLabel("overlay hops per lookup");
        plot.Axes.SetLimitsY(0, Math.Max(rows.Max(r => r.P99Hops), rows.Max(r => r.LogBaseN)) + 1);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }
}
