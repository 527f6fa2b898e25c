using System.Globalization;
using System.Reflection;
using ScottPlot;
using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments;

/// <summary>Draws one <see cref="PlotSpec"/> from an experiment's rows with ScottPlot: lines, markers, legend, log axes.</summary>
internal static class ExperimentPlot
{
    private static readonly MarkerShape[] Markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle];

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    public static void Write(string path, PlotSpec spec, IReadOnlyList<object> rows, Type rowType)
    {
        IEnumerable<object> kept = rows;
        foreach ((YamlNode key, YamlNode value) in (IEnumerable<KeyValuePair<YamlNode, YamlNode>>?)spec.Where?.Children ?? [])
        {
            PropertyInfo column = Column(rowType, ((YamlScalarNode)key).Value!);
            string wanted = ((YamlScalarNode)value).Value ?? "";
            kept = kept.Where(r => Text(column.GetValue(r)) == wanted).ToList();
        }

        PropertyInfo x = Column(rowType, spec.X);
        PropertyInfo? series = spec.Series.Length > 0 ? Column(rowType, spec.Series) : null;
        var plot = new Plot();
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (IGrouping<string, object> line in kept.GroupBy(r => series is null ? "" : Text(series.GetValue(r))))
        {
            for (int c = 0; c < spec.Y.Count; c++)
            {
                PropertyInfo y = Column(rowType, spec.Y[c]);
                // Rows with the same X in one line (other seeds) are averaged.
                var points = line.GroupBy(r => Number(x.GetValue(r)))
                    .Select(g => (X: g.Key, Y: g.Average(r => Number(y.GetValue(r)))))
                    .OrderBy(p => p.X)
                    .ToList();
                if (spec.Normalize && points.Count > 0 && points[0].Y != 0)
                    points = points.Select(p => (p.X, p.Y / points[0].Y)).ToList();
                points = points.Where(p => (!spec.XLog || p.X > 0) && (!spec.YLog || p.Y > 0)).ToList();
                if (points.Count == 0)
                    continue;
                xs.AddRange(points.Select(p => p.X));
                ys.AddRange(points.Select(p => p.Y));
                var scatter = plot.Add.Scatter(
                    points.Select(p => spec.XLog ? Math.Log10(p.X) : p.X).ToArray(),
                    points.Select(p => spec.YLog ? Math.Log10(p.Y) : p.Y).ToArray());
                scatter.MarkerSize = 7;
                // Columns of one line differ in width, pattern and marker too, so equal curves stay visible.
                scatter.LineWidth = 2 + (1.5f * (spec.Y.Count - 1 - c));
                scatter.LinePattern = Patterns[c % Patterns.Length];
                scatter.MarkerShape = Markers[c % Markers.Length];
                scatter.LegendText = Legend(spec, c, line.Key, series is not null);
            }
        }

        if (spec.XLog && xs.Count > 0)
            plot.Axes.Bottom.TickGenerator = xs.Distinct().Count() <= 12 ? ManualLogTicks(xs.Distinct()) : LogTicks(xs);
        if (spec.YLog && ys.Count > 0)
            plot.Axes.Left.TickGenerator = LogTicks(ys);
        plot.Title(spec.Title);
        plot.XLabel(spec.XLabel.Length > 0 ? spec.XLabel : spec.X);
        plot.YLabel(spec.YLabel.Length > 0 ? spec.YLabel : string.Join(", ", spec.Y));
        plot.ShowLegend(spec.LegendAt switch
        {
            "upperRight" => Alignment.UpperRight,
            "lowerLeft" => Alignment.LowerLeft,
            "lowerRight" => Alignment.LowerRight,
            _ => Alignment.UpperLeft,
        });
        plot.SavePng(path, 900, 560);
    }

    private static string Legend(PlotSpec spec, int column, string seriesValue, bool hasSeries)
    {
        string columnText = spec.Legend.Count > column ? spec.Legend[column] : spec.Y[column];
        if (!hasSeries)
            return columnText;
        string seriesText = spec.SeriesLabel.Length > 0
            ? spec.SeriesLabel.Replace("{}", seriesValue, StringComparison.Ordinal)
            : $"{spec.Series} = {seriesValue}";
        return spec.Y.Count > 1 ? $"{seriesText}, {columnText}" : seriesText;
    }

    /// <summary>Ticks at the sweep's own values (plotted as log10): a sweep's points are what a reader looks up.</summary>
    private static ScottPlot.TickGenerators.NumericManual ManualLogTicks(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return new ScottPlot.TickGenerators.NumericManual(sorted.Select(Math.Log10).ToArray(), sorted.Select(Format).ToArray());
    }

    /// <summary>Ticks at 1, 2 and 5 times the powers of ten the values span (values are plotted as log10).</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(IReadOnlyCollection<double> values)
    {
        int low = (int)Math.Floor(Math.Log10(values.Min())), high = (int)Math.Ceiling(Math.Log10(values.Max()));
        var ticks = new List<double>();
        for (int power = low; power <= high; power++)
        {
            foreach (double m in (double[])[1, 2, 5])
            {
                double v = m * Math.Pow(10, power);
                if (v >= values.Min() / 1.5 && v <= values.Max() * 1.5)
                    ticks.Add(v);
            }
        }

        if (high - low > 4)
            ticks = ticks.Where(t => Math.Abs(Math.Log10(t) - Math.Round(Math.Log10(t))) < 1e-9).ToList(); // powers of ten only
        return new ScottPlot.TickGenerators.NumericManual(ticks.Select(Math.Log10).ToArray(), ticks.Select(Format).ToArray());
    }

    private static string Format(double v) =>
        v.ToString(v >= 1e7 ? "0E0" : "#,##0.####", CultureInfo.InvariantCulture);

    private static PropertyInfo Column(Type rowType, string name) =>
        YamlBinder.Property(rowType, name) ?? throw new InvalidOperationException($"No column '{name}'.");

    private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    private static double Number(object? value) => value switch
    {
        null => double.NaN,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN,
        bool b => b ? 1 : 0,
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };
}
