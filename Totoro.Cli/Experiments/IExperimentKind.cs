using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>
/// Maps one point of an experiment (a parameters object bound from YAML, and a seed) to a scenario run and a CSV
/// row. Implementations are found by reflection, so a new kind is one new file (see experiments/README.md).
/// Derive from <see cref="ExperimentKind{TParameters, TRow}"/> rather than implementing this directly.
/// </summary>
internal interface IExperimentKind
{
    /// <summary>The name experiment files use in <c>kind:</c>.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>The class the file's <c>parameters</c> and <c>sweep</c> keys bind to (a fresh instance per point).</summary>
    Type ParametersType { get; }

    /// <summary>The CSV row type: its properties are the columns plots may name.</summary>
    Type RowType { get; }

    /// <summary>Problems with one point's parameters, naming the YAML keys; empty when it can run.</summary>
    IReadOnlyList<string> Validate(object parameters);

    /// <summary>A rough relative cost, so the runner starts the heaviest points first.</summary>
    double Cost(object parameters);

    /// <summary>Runs one point. Must be deterministic for the seed and safe to run beside other points.</summary>
    PointResult Run(object parameters, ulong seed, Action<SimProgress>? progress);

    /// <summary>Writes the CSV of every row (in point order) and any kind-specific files; returns the files written.</summary>
    IReadOnlyList<string> WriteOutputs(IReadOnlyList<PointResult> results, string directory);
}

/// <summary>A point's CSV row, and whatever else its kind needs for its own files (a tree's nodes, a heat map).</summary>
internal sealed record PointResult(object Row, object? Detail = null);
