using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>A snapshot of a node's place in one tree (for metrics and tests).</summary>
public readonly record struct TreeInfo(bool IsRoot, bool IsSubscriber, PeerHandle Parent, PeerHandle[] Children, int Round, int ReplicaRound, Payload? ReplicaModel)
{
    /// <summary>The node's membership state in the tree.</summary>
    public TreeRole Role { get; init; }

    /// <summary>The path above this node is broken (it or an ancestor is re-joining).</summary>
    public bool Detached { get; init; }

    /// <summary>The parent's parent, as the parent last said: where a re-join goes first.</summary>
    public PeerHandle Grandparent { get; init; }

    /// <summary>Heartbeat periods the parent may let pass between keep-alives (more than one while its watchers cover it).</summary>
    public int ParentLease { get; init; }

    /// <summary>When the replica's state was taken, on this node's clock (−1: none).</summary>
    public long ReplicaSince { get; init; }
}
