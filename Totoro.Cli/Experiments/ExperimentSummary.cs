namespace Totoro.Cli.Experiments;

/// <summary>summary.json: what ran, how long it took, which files it wrote, and every point's row.</summary>
internal sealed record ExperimentSummary(
    string Name,
    string Title,
    string Paper,
    string Kind,
    string File,
    string Form,
    int Points,
    int Jobs,
    double WallSeconds,
    double PointSeconds,
    IReadOnlyList<string> Files,
    IReadOnlyList<PointSummary> Results);

/// <summary>One point in summary.json: its sweep values and seed, its wall time and its row.</summary>
internal sealed record PointSummary(string Point, ulong Seed, double WallSeconds, object Row);
