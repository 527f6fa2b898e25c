using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Each tree message's fields by name. The forest writes and reads messages only through these builders and views,
/// so that the compact <see cref="Message"/> (what lets a million nodes fit) never shows which field carries what.
/// </summary>
public static class TreeMessages
{
    /// <summary>A Scribe JOIN for <paramref name="app"/> on behalf of <paramref name="joiner"/>.</summary>
    public static Message Join(NodeId app, PeerHandle joiner, int fanout, int height, long sentAt, int round, PeerHandle[]? avoid, Payload descriptor, bool pushedDown, RouteScope scope)
        => new()
        {
            Kind = TreeKind.Join,
            Flags = (pushedDown ? TreeFlags.PushDown : MessageFlags.None) | (scope == RouteScope.ZoneLocal ? MessageFlags.ZoneLocal : MessageFlags.None),
            Key = app,
            Origin = joiner,
            Row = (byte)fanout,
            Hops = (ushort)height,
            Stamp = sentAt,
            Round = round,
            Peers = avoid is { Length: > 0 } ? avoid : null,
            Payload = descriptor,
        };

    /// <summary>
    /// A child's JOIN to the parent its load-aware planner moves it to, sent straight there: <paramref name="slackMicros"/>
    /// is how much more per round the parent may cost than the child priced it (from its probe's answer) and the move
    /// still gain ε. It travels in the stamp, which only a routed JOIN's silent-hop check reads.
    /// </summary>
    public static Message MoveJoin(NodeId app, PeerHandle joiner, int fanout, int height, int round, Payload descriptor, RouteScope scope, long slackMicros)
    {
        Message join = Join(app, joiner, fanout, height, Math.Max(0, slackMicros), round, avoid: null, descriptor, pushedDown: false, scope);
        return join with { Flags = join.Flags | TreeFlags.Move };
    }

    /// <summary>Parent to child: adopted at <paramref name="round"/>; <paramref name="parents"/> is the parent's own parent, if any.</summary>
    public static Message JoinAck(NodeId app, int round, int fanout, PeerHandle[]? parents)
        => new() { Kind = TreeKind.JoinAck, Key = app, Round = round, Row = (byte)fanout, Peers = parents };

    /// <summary>
    /// A round's payload going down, at <paramref name="depth"/> below the root, with the time left until the root
    /// closes the round (µs; 0 for no deadline). Time left, not a moment: each host has its own clock, and a host that
    /// restarted counts from zero again, so a moment on the root's clock means nothing on the receiver's.
    /// </summary>
    public static Message Broadcast(NodeId app, int round, Payload payload, int depth, long timeLeft)
        => new() { Kind = TreeKind.Broadcast, Key = app, Round = round, Payload = payload, Hops = (ushort)depth, Stamp = timeLeft };

    /// <summary>A subtree's merged contributions to a round going up, and how many contributions they merge.</summary>
    public static Message Aggregate(NodeId app, int round, Payload merged, long contributions)
        => new() { Kind = TreeKind.Aggregate, Key = app, Round = round, Payload = merged, Stamp = contributions };

    /// <summary>One chunk of a round's payload going down (<see cref="ModelChunks"/>).</summary>
    public static Message BroadcastChunk(NodeId app, int round, Payload chunk, int depth, long timeLeft)
        => Broadcast(app, round, chunk, depth, timeLeft) with { Flags = TreeFlags.Chunk };

    /// <summary>One chunk of a subtree's merged contributions going up, and how many contributions that chunk holds.</summary>
    public static Message AggregateChunk(NodeId app, int round, Payload chunk, long contributions)
        => Aggregate(app, round, chunk, contributions) with { Flags = TreeFlags.Chunk };

    /// <summary>Parent to child: one of its chunks of <paramref name="round"/> came (ForestNode.UpWindow.cs).</summary>
    public static Message AggregateChunkAck(NodeId app, int round)
        => new() { Kind = TreeKind.Aggregate, Flags = TreeFlags.ChunkAck, Key = app, Round = round };

    /// <summary>Down: the parent is alive, whether its subtree is cut off from the root, and its own parent (<paramref name="parents"/>: one peer, or none at a root or a re-joining node).</summary>
    public static Message Heartbeat(NodeId app, int round, bool detached, PeerHandle[]? parents)
        => new() { Kind = TreeKind.Heartbeat, Flags = detached ? TreeFlags.Detached : MessageFlags.None, Key = app, Round = round, Peers = parents };

    /// <summary>
    /// Down: the parent is alive in every tree it shares with the receiver, named by a digest (count, hash) and, when
    /// <paramref name="trees"/> is given, by a full list (app id 16 | detached u8 | grandparent u16 a tree, the
    /// grandparent an index into <paramref name="grandparents"/>, 0xFFFF for none).
    /// </summary>
    /// <remarks>
    /// <paramref name="lease"/>: how many heartbeat periods may pass before the next one (1: every period). More than 1
    /// when the parent's watchers (its leaf-set neighbours, <see cref="WatchKeepAlive"/>) tell the child of its death.
    /// </remarks>
    public static Message KeepAlive(long hash, int count, Payload? trees, PeerHandle[]? grandparents = null, int lease = 1)
        => new() { Kind = TreeKind.Heartbeat, Flags = TreeFlags.KeepAlive, Stamp = hash, Round = count, Payload = trees, Peers = grandparents, Hops = (ushort)lease };

    /// <summary>Up: the child's digest differs from its parent's; it asks for the full list.</summary>
    public static Message KeepAliveRequest() => new() { Kind = TreeKind.Heartbeat, Flags = TreeFlags.KeepAlive, Row = KeepAliveView.RequestRow };

    /// <summary>
    /// To a watcher (a leaf-set neighbour): the sender is alive, and its distinct children across every tree are named
    /// by a digest (count, hash) and, when <paramref name="children"/> is given, listed; a watcher that stops hearing
    /// for <paramref name="timeoutMicros"/> tells them their parent died.
    /// </summary>
    public static Message WatchKeepAlive(long hash, int count, long timeoutMicros, PeerHandle[]? children)
        => new()
        {
            Kind = TreeKind.Heartbeat,
            Flags = TreeFlags.KeepAlive,
            Row = KeepAliveView.WatchRow,
            Stamp = hash,
            Round = count,
            Hops = (ushort)Math.Clamp(timeoutMicros / KeepAliveView.TimeoutUnitMicros, 1, ushort.MaxValue),
            Peers = children,
        };

    /// <summary>A watcher whose digest of the sender's children differs asks for the list.</summary>
    public static Message WatchRequest() => new() { Kind = TreeKind.Heartbeat, Flags = TreeFlags.KeepAlive, Row = KeepAliveView.WatchRequestRow };

    /// <summary>A watcher to one of the watched node's children: <paramref name="parent"/> stopped answering.</summary>
    public static Message ParentDead(PeerHandle parent)
        => new() { Kind = TreeKind.Heartbeat, Flags = TreeFlags.KeepAlive, Row = KeepAliveView.ParentDeadRow, Peers = [parent] };

    /// <summary>Up: the child's subtree height changed, or (<paramref name="grew"/>) its subtree took in nodes.</summary>
    public static Message HeightReport(NodeId app, int height, bool grew = false)
        => new() { Kind = TreeKind.Heartbeat, Key = app, Row = (byte)Math.Min(height, byte.MaxValue), Flags = grew ? TreeFlags.Grew : MessageFlags.None };

    /// <summary>The root's state for a replica holder.</summary>
    public static Message Replica(NodeId app, int round, Payload sealedState, PeerHandle[]? members)
        => new() { Kind = TreeKind.Replica, Key = app, Round = round, Payload = sealedState, Peers = members };

    /// <summary>A stateless root asks a leaf-set neighbour for the app's state.</summary>
    public static Message ReplicaPull(NodeId app) => new() { Kind = TreeKind.ReplicaPull, Key = app };

    /// <summary>
    /// Departure from one tree (or from the receiver: the sender moved to another parent). <paramref name="answered"/>:
    /// the last round the sender took from the receiver, whose answer is still to come (or has come); the receiver
    /// stops waiting for the sender only in a later round (0: any). <paramref name="moved"/>: the sender moved to another
    /// parent and will answer any round the receiver sent it before this LEAVE came (ForestNode.Moves.cs), so the
    /// receiver keeps waiting for those too.
    /// </summary>
    public static Message Leave(NodeId app, int answered = 0, bool moved = false)
        => new() { Kind = TreeKind.Leave, Key = app, Round = answered, Flags = moved ? TreeFlags.Move : MessageFlags.None };

    /// <summary>
    /// A node's answer to what only a child sends (an update, a height report) from a peer it does not count as its
    /// child in <paramref name="app"/>'s tree: that peer, if it takes the sender for its parent, re-joins at once.
    /// </summary>
    public static Message NotChild(NodeId app) => new() { Kind = TreeKind.Leave, Flags = TreeFlags.NotChild, Key = app };

    /// <summary>
    /// An advertisement routed to the advertise–discover tree's root, acked per hop so that one meeting a dead node is
    /// routed around it (the stamp, the sender's clock, tells its acks from another's); the app's root also announces
    /// again until its workers are in.
    /// </summary>
    public static Message Advertise(PeerHandle origin, Payload advertisement, long stamp)
        => new() { Kind = TreeKind.Advertise, Key = AppId.AdvertiseDiscover, Origin = origin, Payload = advertisement, Stamp = stamp };

    /// <summary>An advertise–discover broadcast carrying catalogue entries.</summary>
    public static Message Catalogue(Payload entries, bool reannounced = false)
        => new() { Kind = TreeKind.Broadcast, Key = AppId.AdvertiseDiscover, Payload = entries, Flags = reannounced ? TreeFlags.Reannounced : MessageFlags.None };

    /// <summary>An app layer's keyed message, routed towards <paramref name="key"/>.</summary>
    public static Message AppRouted(NodeId key, byte tag, PeerHandle origin, long stamp, Payload payload)
        => new() { Kind = TreeKind.AppRouted, Key = key, Row = tag, Origin = origin, Stamp = stamp, Payload = payload };

    /// <summary>An app layer's message to one peer.</summary>
    public static Message AppDirect(byte tag, long stamp, Payload payload)
        => new() { Kind = TreeKind.AppDirect, Row = tag, Stamp = stamp, Payload = payload };
}

/// <summary>A JOIN's fields by name.</summary>
public readonly ref struct JoinView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public NodeId App => _m.Key;

    /// <summary>The node to adopt; none means the previous hop.</summary>
    public PeerHandle Joiner => _m.Origin;

    /// <summary>The fanout bound the joiner knows for the app.</summary>
    public int Fanout => _m.Row;

    /// <summary>
    /// The joiner's subtree height. The overlay counts hops in the same field, so a JOIN passed on by a node outside
    /// the tree grows by one a hop: an over-estimate, which only makes the parent place it higher.
    /// </summary>
    public int Height => _m.Hops;

    /// <summary>When the JOIN was sent (the joiner's clock), to match a silent hop to the JOIN it swallowed.</summary>
    public long SentAt => _m.Stamp;

    /// <summary>How far the joiner has seen the tree get.</summary>
    public int Round => _m.Round;

    /// <summary>Hops the joiner found silent, so that forwarders avoid them too.</summary>
    public PeerHandle[]? Avoid => _m.Peers;

    /// <summary>The app's descriptor, from which a forwarder learns the app.</summary>
    public Payload? Descriptor => _m.Payload;

    /// <summary>The joiner is a child its load-aware planner moves here (it priced this node on its probe's answer).</summary>
    public bool IsMove => (_m.Flags & TreeFlags.Move) != 0;

    /// <summary>A move: how much more per round this node may cost the mover than it priced, and the move still gain ε (µs).</summary>
    public long MoveSlackMicros => IsMove ? Math.Max(0, _m.Stamp) : 0; // a forged negative slack only gets its own move refused; read as none

    /// <summary>A full parent passed the joiner down to one of its children.</summary>
    public bool PushedDown => (_m.Flags & TreeFlags.PushDown) != 0;
}

/// <summary>A JOIN ack's fields by name.</summary>
public readonly ref struct JoinAckView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public NodeId App => _m.Key;

    public int Round => _m.Round;

    public int Fanout => _m.Row;

    /// <summary>The new parent's own parent (the child's grandparent), if it has one.</summary>
    public PeerHandle Grandparent => _m.Peers is [var grandparent] ? grandparent : PeerHandle.None;

}

/// <summary>A broadcast's fields by name.</summary>
public readonly ref struct BroadcastView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public NodeId App => _m.Key;

    public int Round => _m.Round;

    public Payload? Payload => _m.Payload;

    /// <summary>The receiver's depth below the root.</summary>
    public int Depth => _m.Hops;

    /// <summary>Time left until the root closes the round, as the sender reckoned it when it sent (µs), or 0 for none.</summary>
    public long TimeLeft => _m.Stamp;

    /// <summary>On the advertise–discover tree: an app announced again, passed on even by nodes that know it.</summary>
    public bool Reannounced => (_m.Flags & TreeFlags.Reannounced) != 0;

    /// <summary>On an app's tree: the root's last round of training (<see cref="TreeFlags.FinalRound"/>).</summary>
    public bool IsFinalRound => (_m.Flags & TreeFlags.FinalRound) != 0;
}

/// <summary>An aggregate's fields by name.</summary>
public readonly ref struct AggregateView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public NodeId App => _m.Key;

    public int Round => _m.Round;

    public Payload? Merged => _m.Payload;

    /// <summary>How many contributions the merged payload holds.</summary>
    public long Contributions => _m.Stamp;
}

/// <summary>A heartbeat's fields by name (down from a parent or up from a child).</summary>
public readonly ref struct HeartbeatView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public NodeId App => _m.Key;

    /// <summary>Down: the parent's subtree is cut off from the root.</summary>
    public bool Detached => (_m.Flags & TreeFlags.Detached) != 0;

    /// <summary>Down: the parent's own parent (the receiver's grandparent); none when it has none.</summary>
    public PeerHandle Grandparent => _m.Peers is [var grandparent] ? grandparent : PeerHandle.None;

    /// <summary>Up: the child's subtree height.</summary>
    public int Height => _m.Row;

    /// <summary>Up: the child's subtree took in nodes (<see cref="TreeFlags.Grew"/>).</summary>
    public bool Grew => (_m.Flags & TreeFlags.Grew) != 0;
}

/// <summary>A batched keep-alive's fields by name.</summary>
public readonly ref struct KeepAliveView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public const byte RequestRow = 1;
    public const byte WatchRow = 2;
    public const byte ParentDeadRow = 3;
    public const byte WatchRequestRow = 4;

    /// <summary>The unit of a watch keep-alive's timeout (µs).</summary>
    public const long TimeoutUnitMicros = 100_000;

    /// <summary>Up: the child asks for the full list of the trees it shares with the receiver.</summary>
    public bool IsRequest => _m.Row == RequestRow;

    /// <summary>Which of the batched keep-alive's forms this is (0: parent to child).</summary>
    public byte Form => _m.Row;

    /// <summary>Parent to child: heartbeat periods that may pass before the next keep-alive (at least 1).</summary>
    public int Lease => Math.Max(1, (int)_m.Hops);

    /// <summary>To a watcher: how long it may hear nothing before it takes the sender for dead (µs).</summary>
    public long TimeoutMicros => _m.Hops * TimeoutUnitMicros;

    /// <summary>To a watcher: the sender's children; a parent-dead notice: the parent that died.</summary>
    public PeerHandle[]? Peers => _m.Peers;

    /// <summary>The order-free hash of the shared trees.</summary>
    public long Hash => _m.Stamp;

    /// <summary>How many trees the two share, as the parent counts them.</summary>
    public int Count => _m.Round;

    /// <summary>The full list, when sent.</summary>
    public Payload? Trees => _m.Payload;

    /// <summary>The grandparents the list's entries index.</summary>
    public PeerHandle[]? Grandparents => _m.Peers;
}

/// <summary>A replica's fields by name.</summary>
public readonly ref struct ReplicaView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public NodeId App => _m.Key;

    public int Round => _m.Round;

    /// <summary>The sealed state: checkpoint and descriptor (<see cref="ReplicaEnvelope"/>).</summary>
    public Payload? Sealed => _m.Payload;

    /// <summary>The tree's members the root knows of.</summary>
    public PeerHandle[]? Members => _m.Peers;
}

/// <summary>An app layer message's fields by name (routed or direct).</summary>
public readonly ref struct AppMessageView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    /// <summary>Which app-layer protocol the message belongs to.</summary>
    public byte Tag => _m.Row;

    /// <summary>Routed towards a key (rather than answered directly).</summary>
    public bool IsRouted => _m.Kind == TreeKind.AppRouted;

    /// <summary>The key a routed message travels towards.</summary>
    public NodeId Key => _m.Key;

    /// <summary>The node that started a routed message.</summary>
    public PeerHandle Origin => _m.Origin;

    /// <summary>Overlay hops a routed message took.</summary>
    public int Hops => _m.Hops;

    /// <summary>The sender's stamp (a request number, echoed in answers).</summary>
    public long Stamp => _m.Stamp;

    public Payload? Payload => _m.Payload;
}
