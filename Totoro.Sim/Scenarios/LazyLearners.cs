using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Every simulated node's learning layer, made the first time the node needs one: when its forest first calls it, or
/// when it is given a shard or an app to start. A fresh <see cref="LearningNode"/> holds nothing and draws nothing, so
/// making it late changes no result, and the many nodes that never meet an app (most of a million) pay for none.
/// One instance serves every node: a callback is for the node whose turn it is (<see cref="SimWorld.Current"/>).
/// </summary>
internal sealed class LazyLearners(SimWorld world, Func<LearningNode> make) : IForestApp
{
    private LearningNode?[] _learners = [];

    /// <summary>Node <paramref name="node"/>'s learning layer if it has one yet.</summary>
    public LearningNode? Existing(int node) => node < _learners.Length ? _learners[node] : null;

    /// <summary>Node <paramref name="node"/>'s learning layer, made now if it had none.</summary>
    public LearningNode Of(int node)
    {
        if (node >= _learners.Length)
            Array.Resize(ref _learners, Math.Max(node + 1, Math.Min(world.NodeCount, 2 * Math.Max(_learners.Length, 1024))));
        return _learners[node] ??= make();
    }

    /// <summary>Nodes that have a learning layer.</summary>
    public int Count => _learners.Count(l => l is not null);

    private IForestApp Current()
    {
        int index = world.Current;
        if (index < 0)
            throw new InvalidOperationException("A forest callback outside any node's turn.");
        return Of(index);
    }

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload) => Current().OnBroadcast(node, app, round, payload);

    public void OnAggregate(ForestNode node, NodeId app, int round, Payload contribution) => Current().OnAggregate(node, app, round, contribution);

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions) => Current().OnAggregated(node, app, round, merged, contributions);

    public void OnTimer(ForestNode node, NodeId app) => Current().OnTimer(node, app);

    public void OnAttached(ForestNode node, NodeId app) => Current().OnAttached(node, app);

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint) => Current().OnRootTakeover(node, app, round, checkpoint);

    public void OnDiscovered(ForestNode node, Advertisement advertisement) => Current().OnDiscovered(node, advertisement);

    public void OnAppMessage(ForestNode node, PeerHandle from, AppMessageView message) => Current().OnAppMessage(node, from, message);
}
