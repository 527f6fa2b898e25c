using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>Pastry's own route: the direct link to the parent the JOIN found, never changed.</summary>
public sealed class StaticFlowPlanner : IFlowPlanner
{
    public static readonly StaticFlowPlanner Instance = new();

    public string Name => "static";

    public FlowStrategy Route(in FlowQuery flow, IPlanningObservations seen, out double gain)
    {
        gain = 0;
        return FlowStrategy.Direct;
    }

    public PeerHandle Parent(in ParentQuery query, IPlanningObservations seen, out double gain)
    {
        gain = 0;
        return query.Current;
    }
}
