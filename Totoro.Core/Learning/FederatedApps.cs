using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The learning layer of a node (or of every node of a simulated world): routes the forest's callbacks to the FL
/// app they concern. A node may be master of one app, aggregator of others and worker of more, all at once.
/// </summary>
public sealed class FederatedApps(Func<long> clock) : IForestApp
{
    private readonly Dictionary<NodeId, FederatedApp> _apps = [];

    public IReadOnlyCollection<FederatedApp> Apps => _apps.Values;

    public void Add(FederatedApp app) => _apps.Add(app.Id, app);

    public bool TryGet(NodeId id, out FederatedApp? app) => _apps.TryGetValue(id, out app);

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        if (_apps.TryGetValue(app, out FederatedApp? fl))
            fl.OnBroadcast(node, round, payload, clock());
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        if (_apps.TryGetValue(app, out FederatedApp? fl))
            fl.OnAggregated(node, round, merged, contributions, clock());
    }

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
    {
        if (_apps.TryGetValue(app, out FederatedApp? fl))
            fl.OnRootTakeover(node, round, checkpoint, clock());
    }
}
