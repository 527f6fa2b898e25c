using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Sim.Scenarios;

/// <summary>One node's app as the simulator wires it: the world's observer watches each callback, then the node's own app acts on it.</summary>
internal sealed class ObservedApp(IForestApp observer, IForestApp own) : IForestApp
{
    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        observer.OnBroadcast(node, app, round, payload);
        own.OnBroadcast(node, app, round, payload);
    }

    public void OnAggregate(ForestNode node, NodeId app, int round, Payload contribution)
    {
        observer.OnAggregate(node, app, round, contribution);
        own.OnAggregate(node, app, round, contribution);
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        observer.OnAggregated(node, app, round, merged, contributions);
        own.OnAggregated(node, app, round, merged, contributions);
    }

    public void OnTimer(ForestNode node, NodeId app)
    {
        observer.OnTimer(node, app);
        own.OnTimer(node, app);
    }

    public void OnAttached(ForestNode node, NodeId app)
    {
        observer.OnAttached(node, app);
        own.OnAttached(node, app);
    }

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
    {
        observer.OnRootTakeover(node, app, round, checkpoint);
        own.OnRootTakeover(node, app, round, checkpoint);
    }

    public void OnDiscovered(ForestNode node, Advertisement advertisement)
    {
        observer.OnDiscovered(node, advertisement);
        own.OnDiscovered(node, advertisement);
    }
}
