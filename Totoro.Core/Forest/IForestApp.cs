using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>The paper's callbacks (Table 2): what an FL app implements to hear from its trees.</summary>
public interface IForestApp
{
    /// <summary>At a subscriber: the round's payload (the global model) arrived, decompressed.</summary>
    void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload);

    /// <summary>At a tree node: a child's contribution for a round arrived (before it is merged).</summary>
    void OnAggregate(ForestNode node, NodeId app, int round, Payload contribution) { }

    /// <summary>At the root: every contribution of the round has been merged; only the root sees this.</summary>
    void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions);

    /// <summary>A periodic callback per tree the node belongs to (the master reads progress here).</summary>
    void OnTimer(ForestNode node, NodeId app) { }

    /// <summary>The node is attached to an app's tree (its subscription completed).</summary>
    void OnAttached(ForestNode node, NodeId app) { }

    /// <summary>
    /// This node has just become the root of an app whose root failed or left: <paramref name="round"/> and
    /// <paramref name="checkpoint"/> are the last root state replicated to it (null when it held none). The master
    /// resumes from there.
    /// </summary>
    void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint) { }

    /// <summary>An app was advertised on the advertise–discover tree and reached this subscriber.</summary>
    void OnDiscovered(ForestNode node, Advertisement advertisement) { }

    /// <summary>
    /// A message of the app's own protocol (<see cref="TreeKind.AppRouted"/> delivered here as the node closest to its
    /// key, or <see cref="TreeKind.AppDirect"/> from <paramref name="from"/>): control requests and their answers.
    /// </summary>
    void OnAppMessage(ForestNode node, PeerHandle from, AppMessageView message) { }
}
