using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments;

/// <summary>
/// One line plot of an experiment's rows: X against one or more Y columns, one line per value of Series (rows
/// with equal X in a line are averaged, i.e. over seeds). Column names are the CSV's camelCase headers.
/// </summary>
internal sealed class PlotSpec
{
    public string File { get; set; } = "";

    public string Title { get; set; } = "";

    public string X { get; set; } = "";

    public List<string> Y { get; set; } = [];

    /// <summary>Legend text for each Y column (default: the column name).</summary>
    public List<string> Legend { get; set; } = [];

    /// <summary>Column whose values split the rows into lines.</summary>
    public string Series { get; set; } = "";

    /// <summary>Legend text of a series, "{}" standing for its value (default "series = {}").</summary>
    public string SeriesLabel { get; set; } = "";

    /// <summary>Only rows whose columns have these values.</summary>
    public YamlMappingNode? Where { get; set; }

    public string XLabel { get; set; } = "";

    public string YLabel { get; set; } = "";

    public bool XLog { get; set; }

    public bool YLog { get; set; }

    /// <summary>Divide every line by its first point (a ratio to the smallest X, as the paper's Fig. 7).</summary>
    public bool Normalize { get; set; }

    /// <summary>Legend corner: upperLeft (default), upperRight, lowerLeft or lowerRight.</summary>
    public string LegendAt { get; set; } = "upperLeft";

    /// <summary>Where the YAML put this plot, for errors found after loading.</summary>
    public int Line { get; internal set; }
}
