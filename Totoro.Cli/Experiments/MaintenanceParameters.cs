namespace Totoro.Cli.Experiments;

/// <summary>A forest whose trees are kept alive, with no round running, for a measured window (Fig. 7).</summary>
internal sealed class MaintenanceParameters : ForestParameters
{
    /// <summary>Seconds of keep-alive traffic counted, after a warm-up of two heartbeat periods.</summary>
    public double WindowSeconds { get; set; } = 60;

    public IReadOnlyList<string> ValidateMaintenance()
    {
        var problems = new List<string>(ValidateForest());
        if (WindowSeconds is <= 0 or > 3600)
            problems.Add($"'windowSeconds' must be above 0 and at most 3600 (got {WindowSeconds})");
        return problems;
    }
}
