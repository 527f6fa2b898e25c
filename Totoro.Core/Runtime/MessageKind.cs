namespace Totoro.Core.Runtime;

/// <summary>Every message type the protocol core speaks. The wire value is the byte after the codec version.</summary>
public enum MessageKind : byte
{
    /// <summary>Routed towards the joiner's id; every hop answers with state rows.</summary>
    JoinRequest = 1,

    /// <summary>Candidates for the joiner's tables; <see cref="MessageFlags.Final"/> marks the closest node's leaf set.</summary>
    JoinReply = 2,

    /// <summary>A freshly joined node tells the nodes in its state that it exists.</summary>
    Announce = 3,

    /// <summary>Leaf-set keep-alive carrying the sender's leaf set; asks for a pong (which renews the lease).</summary>
    LeafSetPing = 4,

    /// <summary>Answer to a ping, carrying the responder's leaf set.</summary>
    LeafSetPong = 5,

    /// <summary>A node declared one of its leaf-set neighbours dead; receivers probe it before dropping it.</summary>
    NodeFailed = 6,

    /// <summary>A key-based route (lookup) towards the node numerically closest to <see cref="Message.Key"/>.</summary>
    Lookup = 7,

    /// <summary>Routed towards an app id: each hop adopts the sender as a child (Scribe JOIN). Row = fanout bound, Hops = the joiner's subtree height.</summary>
    TreeJoin = 8,

    /// <summary>Parent to child: you are adopted; Round = the tree's current round.</summary>
    TreeJoinAck = 9,

    /// <summary>Down the tree: the payload of a round (the model); also a keep-alive.</summary>
    TreeBroadcast = 10,

    /// <summary>Up the tree: the merged contributions of a subtree for a round.</summary>
    TreeAggregate = 11,

    /// <summary>Parent to children when there was no broadcast for a while (the parent is alive); child to parent when its subtree height (Row) changed.</summary>
    TreeHeartbeat = 12,

    /// <summary>Root to its closest leaf-set neighbours: the app's state (round, global model, members).</summary>
    TreeReplica = 13,

    /// <summary>Routed to the advertise–discover tree's root: an app announces itself (Key = app id, payload = description).</summary>
    TreeAdvertise = 14,

    /// <summary>Next hop to previous hop: the routed message (Key, Stamp) arrived; silence means route around the hop.</summary>
    RouteAck = 15,

    /// <summary>Asks a routing-table entry for its row <see cref="Message.Row"/> (maintenance and repair).</summary>
    RowRequest = 16,

    /// <summary>Answer to a row request: the filled entries of row <see cref="Message.Row"/>.</summary>
    RowReply = 17,

    /// <summary>Graceful departure: the sender is leaving the overlay; drop it at once instead of waiting for a lease.</summary>
    Leave = 18,

    /// <summary>Graceful departure from one tree (Key = app): the parent drops the child, children re-join at once.</summary>
    TreeLeave = 19,

    /// <summary>Closest node to a lookup's origin: the lookup (Key, Stamp) arrived; silence past the lookup timeout means send it again.</summary>
    LookupReply = 20,

    /// <summary>
    /// An upper layer's keyed message (the common API's route): routed hop by hop towards <see cref="Message.Key"/>
    /// and delivered at the closest node. Row = the layer's tag; the payload is the layer's and opaque below it.
    /// </summary>
    Routed = 21,

    /// <summary>An upper layer's message to one peer (an answer to a routed one). Row = the layer's tag; opaque payload.</summary>
    Direct = 22,

    /// <summary>
    /// Path planning of tree flows (Row: 0 ack of a planned transfer, 1 probe, 2 probe reply): the far end's load
    /// report in the payload; a reply's Hops is the replier's depth in the tree (Key), its Peers its children.
    /// </summary>
    TreePlan = 23,
}

/// <summary>Bit flags of a message.</summary>
[Flags]
public enum MessageFlags : byte
{
    None = 0,

    /// <summary>On a join reply: this is the last reply, from the node closest to the joiner.</summary>
    Final = 1,

    /// <summary>On a tree join: a full parent passes the joiner (the origin) down to one of its children.</summary>
    PushDown = 2,

    /// <summary>On a lookup: deliver at the closest node within the key's zone and never leave that zone.</summary>
    ZoneLocal = 4,

    /// <summary>On a leaf-set ping: a probe of liveness only, answered with a bare pong (no leaf set).</summary>
    LivenessOnly = 8,

    /// <summary>On a tree heartbeat: the sender has lost its path to the root, so its subtree must not adopt joiners (no loops).</summary>
    Detached = 16,

    /// <summary>
    /// On a tree transfer: the sender plans its flows, so ack it (TreePlan). With an origin it came through a relay;
    /// while it still lists one peer, the receiver is the relay and that peer the destination.
    /// </summary>
    Planned = 32,
}
