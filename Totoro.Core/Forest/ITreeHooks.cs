namespace Totoro.Core.Forest;

/// <summary>
/// Turns the hook names a descriptor carries into this node's own hook instances: like code deployed on every node,
/// the hooks are code, and any state they keep (a selector's routes) belongs to the node that binds them.
/// </summary>
public interface ITreeHooks
{
    /// <summary>
    /// <paramref name="wire"/> with its hooks bound from the names; false (and a reason) when a name is not one this
    /// node can serve.
    /// </summary>
    bool TryBind(AppDescriptor wire, string rule, string compression, string selector, string policy, out AppDescriptor? bound, out string? error);
}

/// <summary>The forest's own hooks: weighted sums, no compression or fp16, every child, the shallowest-first or prefix tree.</summary>
public class TreeHooks : ITreeHooks
{
    public static readonly TreeHooks Default = new();

    public bool TryBind(AppDescriptor wire, string rule, string compression, string selector, string policy, out AppDescriptor? bound, out string? error)
    {
        bound = null;
        IAggregationRule? r = Rule(wire, rule);
        ICompression? c = Compression(compression);
        IChildSelector? s = Selector(wire, selector);
        ITreePolicy? p = Policy(policy);
        error = r is null ? $"aggregation rule '{rule}' is unknown here"
            : c is null ? $"compression '{compression}' is unknown here"
            : s is null ? $"child selector '{selector}' is unknown here"
            : p is null ? $"tree policy '{policy}' is unknown here"
            : null;
        if (error is not null)
            return false;
        bound = wire with { Rule = r!, Compression = c!, Selector = s!, Policy = p! };
        return true;
    }

    /// <summary>The tree policies every node knows, by name.</summary>
    public static ITreePolicy? Policy(string name) => name switch
    {
        "shallowest" => ShallowestFirstPolicy.Instance,
        "prefix" => PrefixPolicy.Instance,
        _ => null,
    };

    protected virtual IAggregationRule? Rule(AppDescriptor app, string name) => name == WeightedSumRule.Instance.Name ? WeightedSumRule.Instance : null;

    protected virtual IChildSelector? Selector(AppDescriptor app, string name) => name == AllChildren.Instance.Name ? AllChildren.Instance : null;

    private static ICompression? Compression(string name) => name switch
    {
        "none" => NoCompression.Instance,
        "fp16" => HalfPrecisionCompression.Instance,
        _ => null,
    };
}
