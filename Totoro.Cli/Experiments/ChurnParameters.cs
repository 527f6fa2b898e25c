using Totoro.Sim.Churn;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>
/// A world, its apps' trees and churn on them: `totoro sim --churn … --fail-trees …`'s options in camelCase.
/// A point is a failure burst (failTrees &gt; 0), session churn (churn: exp|pareto|weibull), or both.
/// </summary>
internal sealed class ChurnParameters : ForestParameters
{
    /// <summary>none, or a session-length distribution: exp, pareto or weibull (traces are `totoro sim`'s only).</summary>
    public string Churn { get; set; } = "none";

    /// <summary>Mean session length in seconds (with churn exp|pareto|weibull).</summary>
    public double? MeanSession { get; set; }

    /// <summary>Mean time before a departed node is replaced, seconds; null: at once.</summary>
    public double? MeanDowntime { get; set; }

    public double ChurnDuration { get; set; } = 3600;

    public double LeaveFraction { get; set; }

    public double FailFraction { get; set; } = 0.05;

    public int FailTrees { get; set; }

    public bool FailRoots { get; set; }

    /// <summary>freepastry or paper.</summary>
    public string Timers { get; set; } = "paper";

    public bool HasSessionChurn => Churn != "none";

    public IReadOnlyList<string> ValidateChurn()
    {
        var problems = new List<string>(ValidateForest());
        if (Churn != "none" && !SessionDistributions.Names.Contains(Churn))
            problems.Add($"'churn' must be none, exp, pareto or weibull (got '{Churn}')");
        else if (HasSessionChurn && MeanSession is null)
            problems.Add($"'churn: {Churn}' needs 'meanSession' (seconds)");
        else if (!HasSessionChurn && (MeanSession is not null || MeanDowntime is not null))
            problems.Add("'meanSession' and 'meanDowntime' need 'churn: exp|pareto|weibull'");
        else if (!HasSessionChurn && FailTrees == 0)
            problems.Add("a churn point needs 'failTrees' of at least 1 (a failure burst) or 'churn: exp|pareto|weibull' (session churn)");
        if (problems.Count > 0)
            return problems;
        try
        {
            problems.AddRange(ToChurnConfig().Validate(Nodes, Apps).Select(YamlKeys));
        }
        catch (ArgumentException e)
        {
            problems.Add($"'meanSession'/'meanDowntime': {e.Message.Split(" (Parameter")[0]}");
        }

        return problems;
    }

    public ChurnSimConfig ToChurnConfig() => new()
    {
        Sessions = HasSessionChurn ? SessionDistributions.Create(Churn, MeanSession!.Value) : null,
        Downtimes = HasSessionChurn && MeanDowntime is { } down ? SessionDistributions.Create(Churn, down) : null,
        DurationSeconds = ChurnDuration,
        LeaveFraction = LeaveFraction,
        FailFraction = FailFraction,
        FailTrees = FailTrees,
        FailRoots = FailRoots,
        Timers = Timers,
    };
}
