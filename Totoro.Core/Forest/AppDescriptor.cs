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

    public AppDescriptor Resolve(NodeId id, int fanoutHint)
    {
        if (_apps.TryGetValue(id, out AppDescriptor? app))
            return app;
        return AppDescriptor.Default(id, id.ToString(), fanoutHint > 0 ? fanoutHint : 16);
    }

    public bool TryGet(NodeId id, out AppDescriptor? app) => _apps.TryGetValue(id, out app);
}
