using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// The forest's message kinds, in the ranges the overlay leaves to upper layers: the overlay routes the first three
/// towards their key and passes the rest to one peer, without knowing what they mean. <see cref="TreeMessages"/> reads
/// and writes each kind's fields by name.
/// </summary>
public static class TreeKind
{
    /// <summary>Routed towards an app id: each tree node on the way adopts the sender as a child (Scribe JOIN).</summary>
    public const MessageKind Join = (MessageKind)MessageKinds.FirstRouted;

    /// <summary>Routed to the advertise–discover tree's root: an app announces itself.</summary>
    public const MessageKind Advertise = (MessageKind)(MessageKinds.FirstRouted + 1);

    /// <summary>An app layer's keyed message (delivered to <see cref="IForestApp.OnAppMessage"/> at the closest node).</summary>
    public const MessageKind AppRouted = (MessageKind)(MessageKinds.FirstRouted + 2);

    /// <summary>Parent to child: you are adopted.</summary>
    public const MessageKind JoinAck = (MessageKind)MessageKinds.FirstDirect;

    /// <summary>Down the tree: the payload of a round (the model); also a keep-alive.</summary>
    public const MessageKind Broadcast = (MessageKind)(MessageKinds.FirstDirect + 1);

    /// <summary>Up the tree: the merged contributions of a subtree for a round.</summary>
    public const MessageKind Aggregate = (MessageKind)(MessageKinds.FirstDirect + 2);

    /// <summary>Parent to children when there was no broadcast for a while; child to parent when its subtree height changed.</summary>
    public const MessageKind Heartbeat = (MessageKind)(MessageKinds.FirstDirect + 3);

    /// <summary>Root to its replica holders: the app's state (round, checkpoint, members).</summary>
    public const MessageKind Replica = (MessageKind)(MessageKinds.FirstDirect + 4);

    /// <summary>Graceful departure from one tree: the parent drops the child, children re-join at once.</summary>
    public const MessageKind Leave = (MessageKind)(MessageKinds.FirstDirect + 5);

    /// <summary>An app layer's message to one peer (an answer to a routed one).</summary>
    public const MessageKind AppDirect = (MessageKind)(MessageKinds.FirstDirect + 6);

    /// <summary>Path planning of tree flows: an ack of a planned transfer, a probe, or a probe's answer (<see cref="PlanMessages"/>).</summary>
    public const MessageKind Plan = (MessageKind)(MessageKinds.FirstDirect + 7);

    /// <summary>
    /// A root that holds nothing of an app (it came back, or a cut healed) asks its leaf set for the app's state: a
    /// replica holder answers with its replica, an older root that is farther from the app hands the app over.
    /// </summary>
    public const MessageKind ReplicaPull = (MessageKind)(MessageKinds.FirstDirect + 8);

    /// <summary>
    /// A dead root's replica handed on by a holder to the node now closest to the app (laid out as a
    /// <see cref="Replica"/>): that node becomes the root at once and resumes from it, instead of waiting for a JOIN
    /// that never comes when nobody else knows the app any more (every host restarted).
    /// </summary>
    public const MessageKind Succeed = (MessageKind)(MessageKinds.FirstDirect + 9);

    /// <summary>Every kind the forest speaks.</summary>
    public static IReadOnlyList<MessageKind> All { get; } = [Join, Advertise, AppRouted, JoinAck, Broadcast, Aggregate, Heartbeat, Replica, Leave, AppDirect, Plan, ReplicaPull, Succeed];

    /// <summary>The kind's name, for logs and refusals.</summary>
    public static string Name(MessageKind kind) => kind switch
    {
        Join => "TreeJoin",
        Advertise => "TreeAdvertise",
        AppRouted => "AppRouted",
        JoinAck => "TreeJoinAck",
        Broadcast => "TreeBroadcast",
        Aggregate => "TreeAggregate",
        Heartbeat => "TreeHeartbeat",
        Replica => "TreeReplica",
        Leave => "TreeLeave",
        AppDirect => "AppDirect",
        Plan => "TreePlan",
        ReplicaPull => "TreeReplicaPull",
        Succeed => "TreeSucceed",
        _ => kind.ToString(),
    };
}

/// <summary>The forest's flag bits (in the layer's part of <see cref="MessageFlags"/>).</summary>
public static class TreeFlags
{
    /// <summary>On a heartbeat: the sender has lost its path to the root, so its subtree must not adopt joiners (no loops).</summary>
    public const MessageFlags Detached = MessageFlags.Layer1;

    /// <summary>
    /// On a LEAVE: the sender does not count the receiver as its child (it sent what only a child sends). Unlike a
    /// plain LEAVE it never makes the receiver drop the sender as its own child; it only detaches it from the sender.
    /// </summary>
    public const MessageFlags NotChild = MessageFlags.Layer1;

    /// <summary>On a broadcast, aggregate, replica, succession or app-layer answer: one chunk of a model larger than a chunk (<see cref="ModelChunks"/>).</summary>
    public const MessageFlags Chunk = MessageFlags.Layer1;

    /// <summary>
    /// On a broadcast of the advertise–discover tree (Layer1 there would read as a chunk): an app's root announced it again (its first announcement may have
    /// been lost), so it goes all the way down even through nodes that already know it.
    /// </summary>
    public const MessageFlags Reannounced = MessageFlags.Layer2;

    /// <summary>On an aggregate (no payload): a parent got one chunk from the receiver, whose window of chunks in flight moves on.</summary>
    public const MessageFlags ChunkAck = MessageFlags.Layer2;

    /// <summary>On a JOIN: a full parent passes the joiner (the origin) down to one of its children.</summary>
    public const MessageFlags PushDown = MessageFlags.Layer2;

    /// <summary>On a height report: the child's subtree took in nodes, so the next round must go down to it.</summary>
    public const MessageFlags Grew = MessageFlags.Layer2;

    /// <summary>
    /// On a broadcast or aggregate: the sender plans its flows, so ack it. With an origin it came through a relay; while
    /// it still names one peer, the receiver is the relay and that peer the destination.
    /// </summary>
    public const MessageFlags Planned = MessageFlags.Layer3;

    /// <summary>
    /// On a JOIN: the joiner is a child that its planner moves here from another parent, on the load this node reported
    /// to its probe; a node that took in another mover since then refuses it (<see cref="PlanMessages.MoveRefused"/>).
    /// On a LEAVE: the sender moved to another parent and answers the rounds the receiver sent it before the LEAVE.
    /// </summary>
    public const MessageFlags Move = MessageFlags.Layer3;

    /// <summary>On a heartbeat: a keep-alive for every tree the two neighbours share (or a child's request for its list).</summary>
    public const MessageFlags KeepAlive = MessageFlags.Layer4;

    /// <summary>
    /// On an app's broadcast (or its chunks): the root's last round of training. Each node that carries it stops counting
    /// the app's flows in its load reports a round later, instead of after three rounds of silence (docs/planning.md I.2).
    /// </summary>
    public const MessageFlags FinalRound = MessageFlags.Layer4;
}
