using Totoro.Core.Forest;

namespace Totoro.Core.Learning;

/// <summary>Names to rules: the master's server rule and the tree's merge for an app spec.</summary>
public static class ServerRules
{
    /// <summary>
    /// The rule the master applies to the round's mean (or robust) update. FedProx changes local training, not the
    /// server step, so its server rule is FedAvg's; the robust rules reduce a bundle and then step like FedAvg.
    /// </summary>
    public static IServerRule Create(AppSpec spec) => spec.Rule switch
    {
        "fedadam" => new FedAdam(new AdaptiveServerOptions(spec.ServerLearningRate)),
        "fedyogi" => new FedYogi(new AdaptiveServerOptions(spec.ServerLearningRate)),
        _ => new FedAvg(),
    };

    /// <summary>How the tree merges updates: exact weighted sums for the averaging rules, bundles for the robust ones.</summary>
    public static IAggregationRule Merge(AppSpec spec, int parameters) => spec.Rule switch
    {
        "median" => new CoordinateMedianRule(parameters),
        "trimmed-mean" => new TrimmedMeanRule(parameters, spec.TrimFraction),
        _ => WeightedSumRule.Instance,
    };
}
