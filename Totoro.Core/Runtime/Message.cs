namespace Totoro.Core.Runtime;

/// <summary>
/// One protocol message: a small value type so that queues and the simulator carry it without allocating.
/// Only a message that lists peers (rows, leaf sets) owns an array. The fields are general; what a small one means
/// for an upper layer's kind is that layer's, read and written through its typed views (e.g. the forest's
/// <c>TreeMessages</c>), never by name here.
/// </summary>
public readonly record struct Message
{
    public MessageKind Kind { get; init; }

    public MessageFlags Flags { get; init; }

    /// <summary>A small parameter: on a join request the first routing-table row the joiner still needs; a layer's own otherwise.</summary>
    public byte Row { get; init; }

    /// <summary>Overlay hops taken so far (routed messages).</summary>
    public ushort Hops { get; init; }

    /// <summary>The key a routed message travels towards.</summary>
    public NodeId Key { get; init; }

    /// <summary>The node that started a routed message (joiner, lookup source).</summary>
    public PeerHandle Origin { get; init; }

    /// <summary>Time the routed message started, in the sender's clock (µs); echoes and tags.</summary>
    public long Stamp { get; init; }

    /// <summary>Peers carried by the message (table rows, a leaf set, a failed node).</summary>
    public PeerHandle[]? Peers { get; init; }

    /// <summary>A sequence number (a layer's round).</summary>
    public int Round { get; init; }

    /// <summary>An upper layer's payload: a model, an update or opaque bytes.</summary>
    public Payload? Payload { get; init; }

    public int PeerCount => Peers?.Length ?? 0;

    /// <summary>Size on the wire, used by the simulator to charge links exactly what the real codec would send.</summary>
    public int EncodedSize => MessageCodec.EncodedSize(this, MessageCodec.TypicalAddressBytes);
}
