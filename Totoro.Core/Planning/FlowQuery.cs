using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>One flow's decision: its far end, its bytes per round, the strategy it has and the relays it may use.</summary>
/// <param name="App">The tree the flow belongs to.</param>
/// <param name="Direction">Up (update to the parent) or down (model to a child).</param>
/// <param name="Peer">The far end.</param>
/// <param name="Bytes">Bytes the flow moves per round.</param>
/// <param name="Current">The strategy in use.</param>
/// <param name="Relays">Peers this node knows that could carry the flow one hop.</param>
public readonly record struct FlowQuery(NodeId App, FlowDirection Direction, PeerHandle Peer, long Bytes, FlowStrategy Current, ReadOnlyMemory<PeerHandle> Relays);
