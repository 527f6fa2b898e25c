using Totoro.Cli.Experiments.Report;
using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments;

/// <summary>
/// One experiments/*.yaml file as written: what it reproduces, which kind runs its points, the kind's fixed
/// parameters, the sweep axes (their cartesian product, times the seeds, is the set of points), the --quick
/// overrides and the plots. The kind's own keys stay YAML nodes here so errors can point at their lines.
/// </summary>
internal sealed class ExperimentFile
{
    /// <summary>Results go to out/NAME (results/NAME when committed).</summary>
    public string Name { get; set; } = "";

    public string Title { get; set; } = "";

    /// <summary>The paper figure or table this reproduces ("Fig. 6c"), or "beyond the paper".</summary>
    public string Paper { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>Which <see cref="IExperimentKind"/> runs a point (its <c>Name</c>).</summary>
    public string Kind { get; set; } = "";

    public List<ulong> Seeds { get; set; } = [1];

    public YamlMappingNode? Parameters { get; set; }

    public YamlMappingNode? Sweep { get; set; }

    public QuickSpec? Quick { get; set; }

    public List<PlotSpec> Plots { get; set; } = [];

    /// <summary>Tables of the committed results that `totoro experiment report` writes into the READMEs.</summary>
    public List<TableSpec> Tables { get; set; } = [];

    /// <summary>The paper's numbers beside ours (templates over the committed results) and why they differ.</summary>
    public List<CompareSpec> Compare { get; set; } = [];
}

/// <summary>What --quick changes: parameters overridden, sweep axes replaced, seeds replaced.</summary>
internal sealed class QuickSpec
{
    public YamlMappingNode? Parameters { get; set; }

    public YamlMappingNode? Sweep { get; set; }

    public List<ulong>? Seeds { get; set; }
}
