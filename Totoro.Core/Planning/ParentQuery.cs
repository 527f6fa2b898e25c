using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// A child's choice of parent: its current parent and the tree nodes it knows that make routing progress towards the
/// app id. Moving to another parent moves both of its flows (the model down, the update up).
/// </summary>
/// <param name="Deeper">The candidates as far from the root as the child (its siblings): under one, the model takes a hop more.</param>
/// <param name="Children">The child's own children in the tree: under a sibling, their models take the hop more too.</param>
/// <param name="DeeperHops">Per sibling (as <paramref name="Deeper"/>), the one-way µs of its hop from its parent, as it told (0: not told).</param>
public readonly record struct ParentQuery(NodeId App, PeerHandle Current, long UpBytes, long DownBytes, ReadOnlyMemory<PeerHandle> Candidates, ReadOnlyMemory<PeerHandle> Deeper = default, int Children = 0, ReadOnlyMemory<long> DeeperHops = default)
{
    /// <summary>The sibling's hop from its parent if <paramref name="candidate"/> is one and told it (µs; 0: not a sibling, or not told).</summary>
    public long HopInto(PeerHandle candidate)
    {
        int at = Deeper.Span.IndexOf(candidate);
        return at >= 0 && at < DeeperHops.Length ? DeeperHops.Span[at] : 0;
    }
}
