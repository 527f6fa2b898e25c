using System.Globalization;
using System.Reflection;
using ScottPlot;
using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments;

/// <summary>Draws one <see cref="PlotSpec"/> from an experiment's rows with ScottPlot: lines, markers, legend, log axes.</summary>
internal static class ExperimentPlot
{
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
                var scatter = plot.Add.Scatter(
                    points.Select(p => spec.XLog ? Math.Log10(p.X) : p.X).ToArray(),
                    points.Select(p => spec.YLog ? Math.Log10(p.Y) : p.Y).ToArray());
                scatter.MarkerSize = 7;
                scatter.LineWidth = 2;
                scatter.LegendText = Legend(spec, c, line.Key, series is not null);
            }
        }

        if (spec.XLog)
            plot.Axes.Bottom.TickGenerator = LogTicks();
        if (spec.YLog)
            plot.Axes.Left.TickGenerator = LogTicks();
        plot.Title(spec.Title);
        plot.XLabel(spec.XLabel.Length > 0 ? spec.XLabel : spec.X);
        plot.YLabel(spec.YLabel.Length > 0 ? spec.YLabel : string.Join(", ", spec.Y));
        plot.ShowLegend(Alignment.UpperLeft);
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

    /// <summary>Ticks at powers of ten (values are plotted as log10) with minor ticks between them.</summary>
    public static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v).ToString(Math.Abs(v) >= 7 ? "0E0" : "#,##0.####", CultureInfo.InvariantCulture),
    };

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
