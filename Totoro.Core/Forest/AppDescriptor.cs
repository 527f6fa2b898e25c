using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>An app as every node that serves it must know it: its id, tree options and the owner's hooks.</summary>
public sealed record AppDescriptor(
    NodeId Id,
    string Name,
    TreeOptions Options,
    IAggregationRule Rule,
    ICompression Compression,
    IChildSelector Selector)
{
    /// <summary>
    /// Global: the tree may span zones. ZoneLocal: the app is confined to the zone its id names (its creator's):
    /// its root is the zone's node closest to the id and its JOINs never leave the zone.
    /// </summary>
    public RouteScope Scope { get; init; } = RouteScope.Global;

    public static AppDescriptor Default(NodeId id, string name, int fanout)
        => new(id, name, new TreeOptions { Fanout = fanout }, WeightedSumRule.Instance, NoCompression.Instance, AllChildren.Instance);
}

/// <summary>
/// The apps a node can serve, by id: like code deployed everywhere. A node that meets an app it does not know
/// (a join, a broadcast) serves it with default hooks and the fanout the join carried.
/// </summary>
public sealed class AppRegistry
{
    private readonly Dictionary<NodeId, AppDescriptor> _apps = [];

    public void Register(AppDescriptor app) => _apps[app.Id] = app;

    public AppDescriptor Resolve(NodeId id, int fanoutHint, RouteScope scopeHint = RouteScope.Global)
    {
        if (_apps.TryGetValue(id, out AppDescriptor? app))
            return app;
        return AppDescriptor.Default(id, id.ToString(), fanoutHint > 0 ? fanoutHint : 16) with { Scope = scopeHint };
    }

    public bool TryGet(NodeId id, out AppDescriptor? app) => _apps.TryGetValue(id, out app);
}
