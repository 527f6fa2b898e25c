using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>One accepted best-response move: a flow's route changed, or a child chose another parent (both its flows).</summary>
/// <param name="Owner">The node whose flow moved.</param>
/// <param name="Peer">The flow's far end (for a parent move: the old parent).</param>
/// <param name="From">The old strategy (relay or direct); for a parent move, the old parent.</param>
/// <param name="To">The new strategy; for a parent move, the new parent.</param>
/// <param name="BelievedGain">The relative gain the planner expected from its own estimates.</param>
public readonly record struct FlowMove(PeerHandle Owner, NodeId App, FlowDirection Direction, PeerHandle Peer, FlowStrategy From, FlowStrategy To, bool ParentMove, long Bytes, double BelievedGain);
