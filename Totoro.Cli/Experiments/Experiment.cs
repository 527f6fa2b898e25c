namespace Totoro.Cli.Experiments;

/// <summary>A loaded, checked experiment: its file, its kind and every point it will run, in order.</summary>
internal sealed record Experiment(string File, ExperimentFile Spec, IExperimentKind Kind, string Form, IReadOnlyList<ExperimentPoint> Points);

/// <summary>One run: a parameters object (fixed values plus one value per sweep axis) and a seed.</summary>
internal sealed record ExperimentPoint(int Index, ulong Seed, object Parameters, string Label);
