using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// One way of discovering apps, as <see cref="DiscoveryScenario"/> drives it: nodes that take part, a hub (the
/// advertise–discover tree's root, or the directory), and what each node has learned, recorded when it learns it.
/// </summary>
public interface IDiscoveryWorld
{
    SimWorld World { get; }

    /// <summary>The nodes that learn of apps (the directory, a node apart, is not one of them).</summary>
    IReadOnlyList<int> Participants { get; }

    /// <summary>Builds the world (the overlay, settled; nothing for the directory).</summary>
    void Build(Action<SimProgress>? progress);

    /// <summary>Every participant joins the tree or registers with the directory, spread over a window.</summary>
    void Join();

    /// <summary>The node every discovery goes through: the tree's root as the live membership decides, or the directory.</summary>
    int Hub();

    /// <summary>At node <paramref name="creator"/>, now: announces an app (routed to the tree's root, or sent to the directory).</summary>
    void Advertise(int creator, Advertisement advertisement);

    /// <summary>Whether the creator has seen its announcement take (its own advertisement came back, or the directory's ack).</summary>
    bool Confirmed(int creator, NodeId app);

    /// <summary>The apps node <paramref name="node"/> knows now, from its own state.</summary>
    IReadOnlySet<NodeId> Known(int node);

    /// <summary>When each node first learned each app (µs), as the nodes' callbacks reported it.</summary>
    DiscoveryLog Log { get; }
}

/// <summary>The first time each node learned each app, recorded by the node's own discovery callback.</summary>
public sealed class DiscoveryLog
{
    private readonly Dictionary<NodeId, Dictionary<int, long>> _learned = [];

    public void Record(NodeId app, int node, long now)
    {
        if (!_learned.TryGetValue(app, out Dictionary<int, long>? nodes))
            _learned[app] = nodes = [];
        nodes.TryAdd(node, now);
    }

    /// <summary>When <paramref name="node"/> first learned <paramref name="app"/>, or null.</summary>
    public long? LearnedAt(NodeId app, int node)
        => _learned.TryGetValue(app, out Dictionary<int, long>? nodes) && nodes.TryGetValue(node, out long at) ? at : null;
}
