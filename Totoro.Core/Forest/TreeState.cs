using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>What one node knows of one app's tree: its place in it, the round in flight, and any replica it holds.</summary>
internal sealed class TreeState(AppDescriptor app)
{
    public AppDescriptor App { get; } = app;

    /// <summary>The app's descriptor as it travels (in JOINs and replicas): the bytes it arrived in, or this node's encoding.</summary>
    public required Payload Wire { get; init; }

    /// <summary>The membership state (see <see cref="TreeRole"/> for its transitions).</summary>
    public TreeRole Role;

    /// <summary>The parent while <see cref="TreeRole.Attached"/>; none otherwise.</summary>
    public PeerHandle Parent;

    public bool IsRoot => Role == TreeRole.Root;

    public bool Joining => Role == TreeRole.Joining;

    public bool IsSubscriber;
    public long JoinSentAt;
    public long ParentHeard;

    /// <summary>Heartbeat periods the parent may let pass between keep-alives, as it last said (its watchers cover the rest).</summary>
    public int ParentLease = 1;
    public long LastSentDown;
    public int PushDownCursor;
    public int Round;

    /// <summary>The root's last round of training, once a broadcast said so (0: not known).</summary>
    public int FinalRound;
    public readonly List<PeerHandle> Children = [];

    /// <summary>Height of each child's subtree (0: a leaf), as the children last said.</summary>
    public readonly Dictionary<PeerHandle, int> ChildHeights = [];

    /// <summary>The height this node last told its parent.</summary>
    public int ToldHeight;

    /// <summary>
    /// Children whose subtrees took in nodes since a round last went down to them (ForestNode.Moves.cs): the next
    /// round goes to them whatever the app's selector says, since where the newcomers' workers sit is not known above.
    /// </summary>
    public HashSet<PeerHandle>? Grown;

    /// <summary>The round in which this node last told its parent that its subtree grew (−1: never).</summary>
    public int GrewToldRound = -1;

    /// <summary>
    /// Who sent this node its last round (<see cref="RoundFromRound"/>), which waits for its answer even if this node
    /// has moved to another parent since (ForestNode.Moves.cs); none at the root.
    /// </summary>
    public PeerHandle RoundFrom;

    public int RoundFromRound;

    /// <summary>
    /// The parent this node left by its last move, until a round comes from the new one: a round the former parent sent
    /// before it heard of the move, and that this node has not taken from anyone, is taken from it and answered there
    /// (ForestNode.Moves.cs).
    /// </summary>
    public PeerHandle FormerParent;

    /// <summary>
    /// Children that moved away, each with the last round it took from here: the next round, if it opens here after
    /// the move, goes to the mover too (ForestNode.Moves.cs). Null until a child moves away.
    /// </summary>
    public List<(PeerHandle Mover, int Answered)>? MovedAway;

    /// <summary>The peer <see cref="RoundFrom"/> is gone (dead, or it disowned this node): the answer goes to the parent.</summary>
    public bool RoundFromGone;

    /// <summary>Whom this node sent its last answer (<see cref="AnsweredRound"/>), for a round repeated by a new parent.</summary>
    public PeerHandle AnsweredTo;

    public int AnsweredRound;

    /// <summary>The hop the last join went to: suspected when the join is not answered.</summary>
    public PeerHandle JoinVia;

    /// <summary>The parent's parent, as the parent last said (join ack, heartbeats): where a re-join goes first when the parent dies.</summary>
    public PeerHandle Grandparent;

    /// <summary>The highest round any joiner below this node said it had seen; a new root starts above it.</summary>
    public int JoinerRound;

    /// <summary>Hops this node's re-join found silent or dead (most recent last), carried in its JOINs; empty once attached.</summary>
    public PeerHandle[] SilentHops = [];

    public int Height
    {
        get
        {
            int height = 0;
            foreach (PeerHandle child in Children)
                height = Math.Max(height, 1 + ChildHeights.GetValueOrDefault(child));
            return height;
        }
    }

    /// <summary>The round in flight here (made at this node's first round, then reused).</summary>
    public RoundAggregation? Aggregation;

    public bool Aggregating => Aggregation?.InFlight == true;

    // Big models (ForestNode.Chunks.cs): the round's chunked broadcast coming down, its streamed sum going up, and
    // the chunked contributions being put back together under a rule that cannot merge chunk by chunk.
    internal ChunkedDownload? Download;
    internal ChunkedSum? UpSum;
    internal Dictionary<PeerHandle, (int Round, ChunkAssembler Assembler)>? UpAssembly;

    // The root's state, replicated here when this node is one of the root's closest leaf-set neighbours.
    public Payload? ReplicaModel;
    public int ReplicaRound;
    public PeerHandle[]? ReplicaMembers;
    public PeerHandle ReplicaFrom;  // the root that sent it: its death may make this node the root

    /// <summary>
    /// When the replica's state was taken, on this node's own clock (−1: none). Its checkpoint counts the training
    /// time up to the root's broadcast; a node that takes over adds what has passed since on its clock, never the
    /// old root's: in real mode every host has a clock of its own.
    /// </summary>
    public long ReplicaSince = -1;
    public PeerHandle SucceededFrom; // the root this node took the app over from (not a root to hand the app back to)

    /// <summary>When this node took the app over from <see cref="SucceededFrom"/>.</summary>
    public long SucceededAt;
    public Dictionary<PeerHandle, int>? MissedRounds; // children that let rounds close without answering, in a row
    public bool HasBroadcast;       // this node has sent a round as the root (it carries the app's state)
    public Payload? LastModel;      // what the root last broadcast: handed over if the root moves
    public long LastModelAt;        // when (this node's clock)
    public bool ReplicaOrphaned;    // that root died and nobody has replicated since: hand the replica to whoever is now closest
    public PeerHandle ReplicaPushedTo;

    public bool HasReplica => ReplicaModel is not null || ReplicaRound > 0;

    /// <summary>This node's path to the root is broken (it or an ancestor is re-joining): it adopts no joiner meanwhile.</summary>
    public bool Detached;
    public long DetachedSince;

    /// <summary>When this root, holding nothing of the app, asked its leaf set for the app's state (−1: not since it became root).</summary>
    public long PulledAt = -1;

    /// <summary>The pull of <see cref="PulledAt"/> was sent a second time (its first copy or an answer may be lost).</summary>
    public bool PullRepeated;

    /// <summary>This node's state of the app came back from its own disk after a restart (ForestNode.RestoreReplica).</summary>
    public bool Restored;

    // Advertise–discover tree only: the advertisements that passed through, by app.
    public Dictionary<NodeId, byte[]>? Catalogue;

    public bool InTree => Role != TreeRole.Outside;
}
