using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments.Report;

/// <summary>
/// A Markdown table of an experiment's committed results, written between <c>&lt;!-- results NAME/TABLE --&gt;</c>
/// markers by `totoro experiment report`. One row per value of <see cref="Rows"/>; either one column per value of
/// <see cref="Columns"/> (each cell <see cref="Cell"/>) or the listed <see cref="Cells"/>. Cells are
/// <see cref="ResultsTemplate"/> text evaluated over the row's (and column's) rows, i.e. averaged over seeds.
/// </summary>
internal sealed class TableSpec
{
    public string Name { get; set; } = "";

    /// <summary>The CSV in results/NAME/ (default points.csv).</summary>
    public string File { get; set; } = "points.csv";

    /// <summary>Only rows whose columns have these values.</summary>
    public YamlMappingNode? Where { get; set; }

    /// <summary>The column whose values are the table's rows.</summary>
    public string Rows { get; set; } = "";

    /// <summary>Header of the first column (default: <see cref="Rows"/>).</summary>
    public string RowHeader { get; set; } = "";

    /// <summary>Text of a row's first cell, a template (default: the value as the CSV has it).</summary>
    public string RowLabel { get; set; } = "";

    /// <summary>The column whose values are the table's columns (a pivot), or empty for <see cref="Cells"/>.</summary>
    public string Columns { get; set; } = "";

    /// <summary>Header of a pivot column, "{}" standing for its value.</summary>
    public string ColumnLabel { get; set; } = "{}";

    /// <summary>A pivot cell's template.</summary>
    public string Cell { get; set; } = "";

    public List<CellSpec> Cells { get; set; } = [];
}

/// <summary>One listed column of a <see cref="TableSpec"/>: its header and its cell template.</summary>
internal sealed class CellSpec
{
    public string Header { get; set; } = "";

    public string Cell { get; set; } = "";
}

/// <summary>
/// One line of the paper-versus-ours tables: what the paper reports, ours as a template over the committed results,
/// and why they differ. experiments/README.md shows every field; README.md the images, <see cref="Short"/> and the paper's.
/// </summary>
internal sealed class CompareSpec
{
    /// <summary>The figure's name in the table (default: the file's <c>paper</c>).</summary>
    public string Figure { get; set; } = "";

    public string Paper { get; set; } = "";

    public string Ours { get; set; } = "";

    /// <summary>The README's shorter form of <see cref="Ours"/> (default: the same).</summary>
    public string Short { get; set; } = "";

    /// <summary>Why ours differ; a template too, so that the numbers it argues from are the results'.</summary>
    public string Why { get; set; } = "";

    /// <summary>PNGs of results/NAME/ the README shows beside it.</summary>
    public List<string> Images { get; set; } = [];
}
