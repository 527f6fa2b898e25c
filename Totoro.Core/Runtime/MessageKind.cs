namespace Totoro.Core.Runtime;

/// <summary>
/// The overlay's message types. The wire value is the byte after the codec version. The layers above the overlay
/// name their own kinds in two ranges that the overlay treats alike without knowing them (Pastry's common API):
/// kinds from <see cref="MessageKinds.FirstRouted"/> are routed hop by hop towards their key and delivered at the
/// closest node; kinds from <see cref="MessageKinds.FirstDirect"/> go to one peer.
/// </summary>
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

    /// <summary>Next hop to previous hop: the routed message (Key, Stamp) arrived; silence means route around the hop.</summary>
    RouteAck = 15,

    /// <summary>Asks a routing-table entry for its row <see cref="Message.Row"/> (maintenance and repair).</summary>
    RowRequest = 16,

    /// <summary>Answer to a row request: the filled entries of row <see cref="Message.Row"/>.</summary>
    RowReply = 17,

    /// <summary>Graceful departure: the sender is leaving the overlay; drop it at once instead of waiting for a lease.</summary>
    Leave = 18,

    /// <summary>Closest node to a lookup's origin: the lookup (Key, Stamp) arrived; silence past the lookup timeout means send it again.</summary>
    LookupReply = 20,
}

/// <summary>Bit flags of a message.</summary>
[Flags]
public enum MessageFlags : byte
{
    None = 0,

    /// <summary>On a join reply: this is the last reply, from the node closest to the joiner.</summary>
    Final = 1,

    /// <summary>On a routed message of an upper layer: the next hop does not ack it (the layer repeats it itself).</summary>
    NoHopAck = 2,

    /// <summary>On a lookup: deliver at the closest node within the key's zone and never leave that zone.</summary>
    ZoneLocal = 4,

    /// <summary>On a leaf-set ping: a probe of liveness only, answered with a bare pong (no leaf set).</summary>
    LivenessOnly = 8,

    /// <summary>The first of four bits that belong to the layer that owns the message's kind (its meaning is that layer's).</summary>
    Layer1 = 16,

    /// <summary>A bit of the layer that owns the message's kind.</summary>
    Layer2 = 32,

    /// <summary>A bit of the layer that owns the message's kind.</summary>
    Layer3 = 64,

    /// <summary>A bit of the layer that owns the message's kind.</summary>
    Layer4 = 128,
}

/// <summary>Which part of the protocol stack a message kind belongs to, by its range.</summary>
public static class MessageKinds
{
    /// <summary>The first kind an upper layer may route towards a key.</summary>
    public const byte FirstRouted = 64;

    /// <summary>The first kind an upper layer may send to one peer.</summary>
    public const byte FirstDirect = 128;

    /// <summary>An upper layer's kind routed hop by hop towards its key.</summary>
    public static bool IsRoutedLayer(MessageKind kind) => (byte)kind is >= FirstRouted and < FirstDirect;

    /// <summary>An upper layer's kind sent to one peer.</summary>
    public static bool IsDirectLayer(MessageKind kind) => (byte)kind >= FirstDirect;

    /// <summary>A kind the overlay speaks, or one in an upper layer's range (the layer refuses those it does not know).</summary>
    public static bool IsKnown(MessageKind kind) => (byte)kind >= FirstRouted || Enum.IsDefined(kind);

    /// <summary>Whether a kind is routed hop by hop towards its key (as opposed to sent to one peer).</summary>
    public static bool IsRouted(MessageKind kind) => kind == MessageKind.Lookup || IsRoutedLayer(kind);
}
