using CsvHelper;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>The typed base of every experiment kind: parameters and rows with their own types, the CSV written for you.</summary>
internal abstract class ExperimentKind<TParameters, TRow> : IExperimentKind
    where TParameters : new()
    where TRow : notnull
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public Type ParametersType => typeof(TParameters);

    public Type RowType => typeof(TRow);

    public IReadOnlyList<string> Validate(object parameters) => Validate((TParameters)parameters);

    public double Cost(object parameters) => Cost((TParameters)parameters);

    public PointResult Run(object parameters, ulong seed, Action<SimProgress>? progress) => Run((TParameters)parameters, seed, progress);

    public IReadOnlyList<string> WriteOutputs(IReadOnlyList<PointResult> results, string directory)
    {
        string csv = Path.Combine(directory, "points.csv");
        using (var writer = new StreamWriter(csv))
        using (CsvWriter csvWriter = CsvWriter.Create(writer))
            csvWriter.WriteRecords(results.Select(r => (TRow)r.Row));
        return [csv, .. WriteExtras(results, directory)];
    }

    protected abstract IReadOnlyList<string> Validate(TParameters parameters);

    protected virtual double Cost(TParameters parameters) => 1;

    protected abstract PointResult Run(TParameters parameters, ulong seed, Action<SimProgress>? progress);

    /// <summary>Files beyond points.csv and the YAML's plots (maps, heat maps); none by default.</summary>
    protected virtual IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory) => [];
}
