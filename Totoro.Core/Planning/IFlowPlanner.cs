using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// A node's path planner for the flows it owns: the route of each flow it sends (direct or through a relay) and, as
/// a child, its parent in each tree. It decides from <see cref="IPlanningObservations"/> only.
/// </summary>
public interface IFlowPlanner
{
    string Name { get; }

    /// <summary>The strategy the flow should use now (its current one to stay), and the relative gain it expects.</summary>
    FlowStrategy Route(in FlowQuery flow, IPlanningObservations seen, out double gain);

    /// <summary>The parent the child should have (its current one to stay), and the relative gain it expects.</summary>
    PeerHandle Parent(in ParentQuery query, IPlanningObservations seen, out double gain);
}
