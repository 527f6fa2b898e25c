using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// A child's choice of parent: its current parent and the tree nodes it knows that make routing progress towards the
/// app id. Moving to another parent moves both of its flows (the model down, the update up).
/// </summary>
/// <param name="Deeper">The candidates as far from the root as the child (its siblings): under one, the model takes a hop more.</param>
/// <param name="Children">The child's own children in the tree: under a sibling, their models take the hop more too.</param>
public readonly record struct ParentQuery(NodeId App, PeerHandle Current, long UpBytes, long DownBytes, ReadOnlyMemory<PeerHandle> Candidates, ReadOnlyMemory<PeerHandle> Deeper = default, int Children = 0);
