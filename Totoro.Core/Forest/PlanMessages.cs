using System.Buffers.Binary;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>The path planner's messages by name: acks of planned transfers, probes of candidate parents, and relaying.</summary>
public static class PlanMessages
{
    public const byte Ack = 0;
    public const byte Probe = 1;
    public const byte Reply = 2;
    public const byte MoveRefused = 3;
    public const byte LoadFell = 4;

    /// <summary>
    /// The far end of a planned transfer to its sender: it arrived; the far end's load report, and the sender's downlink
    /// rate as the far end timed it from its own transfers to the sender (B/µs; 0: not timed), how long the ack waits in
    /// the far end's send queue (<paramref name="queued"/>, µs) and the far end's time since its previous bulk arrival
    /// (<paramref name="gap"/>, µs; long.MaxValue: none): with them the sender bounds the far end's downlink time.
    /// </summary>
    public static Message TransferAck(NodeId app, int round, FlowDirection direction, LoadReport report, double senderDownlink = 0, long queued = 0, long gap = long.MaxValue)
        => new()
        {
            Kind = TreeKind.Plan,
            Row = Ack,
            Key = app,
            Round = round,
            Hops = (ushort)direction,
            Payload = Payload.FromData(AckPayload(report, queued, gap)),
            Stamp = double.IsFinite(senderDownlink) && senderDownlink > 0 ? (long)Math.Round(senderDownlink * BytesPerSecond) : 0,
        };

    private static byte[] AckPayload(LoadReport report, long queued, long gap)
    {
        var bytes = new byte[LoadReport.EncodedSize + 16];
        report.Encode(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(LoadReport.EncodedSize), queued);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(LoadReport.EncodedSize + 8), gap);
        return bytes;
    }

    /// <summary>The told downlink travels as whole bytes per second.</summary>
    public const double BytesPerSecond = 1e6;

    /// <summary>A child asks a candidate parent (or a peer it sends to) for its load and its place in the tree.</summary>
    public static Message ProbeRequest(NodeId app, long sentAt) => new() { Kind = TreeKind.Plan, Row = Probe, Key = app, Stamp = sentAt };

    /// <summary>The answer: the probe's stamp echoed, the replier's depth (ushort.MaxValue: not attached), its children, its load.</summary>
    /// <paramref name="gap"/>: the replier's time between the probe's arrival and its previous one (µs; long.MaxValue:
    /// none), so the prober knows whether the probe waited behind a busy downlink there. <paramref name="parent"/>: the
    /// replier's own parent (none at a root), so that a child asking its parent learns its grandparent.
    /// <paramref name="parentRoundTrip"/>: the replier's measured round trip to that parent (µs; 0: none).
    public static Message ProbeReply(NodeId app, long stamp, int depth, PeerHandle[]? children, LoadReport report, long gap = long.MaxValue, PeerHandle parent = default, long parentRoundTrip = 0)
        => new() { Kind = TreeKind.Plan, Row = Reply, Key = app, Stamp = stamp, Hops = (ushort)Math.Clamp(depth, 0, ushort.MaxValue), Peers = children, Origin = parent, Payload = Payload.FromData(AckPayload(report, parentRoundTrip, gap)) };

    /// <summary>A candidate parent to a child moving to it: the movers it took in since it answered the child's probe leave the move no gain above its threshold; the child stays and decides again.</summary>
    public static Message MoveRefusal(NodeId app) => new() { Kind = TreeKind.Plan, Row = MoveRefused, Key = app };

    /// <summary>A node to a child of another parent that probed it lately: its load fell by much since it answered, so the child's best response may have moved (it probes and decides again).</summary>
    public static Message LoadFellNotice(NodeId app) => new() { Kind = TreeKind.Plan, Row = LoadFell, Key = app };

    /// <summary>A planned transfer: flagged so that the far end acks it.</summary>
    public static Message Planned(in Message transfer) => transfer with { Flags = transfer.Flags | TreeFlags.Planned };

    /// <summary>The first hop of a relayed transfer: to the relay, naming the sender (origin) and the destination.</summary>
    public static Message ToRelay(in Message planned, PeerHandle sender, PeerHandle destination) => planned with { Origin = sender, Peers = [destination] };

    /// <summary>The second hop: from the relay to the destination, still naming the sender.</summary>
    public static Message FromRelay(in Message atRelay) => atRelay with { Peers = null };
}

/// <summary>A planning message's fields by name.</summary>
public readonly ref struct PlanView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    public byte Type => _m.Row;

    public NodeId App => _m.Key;

    /// <summary>Ack: the round of the transfer acknowledged.</summary>
    public int Round => _m.Round;

    /// <summary>Ack: which way the transfer went.</summary>
    public FlowDirection Direction => (FlowDirection)Math.Min((int)_m.Hops, 1);

    /// <summary>Probe and reply: the prober's clock when the probe left its send queue, plus (in a reply) the reply's wait in the replier's.</summary>
    public long Stamp => _m.Stamp;

    /// <summary>Ack: the receiver's downlink rate as the ack's sender timed it (B/µs; 0: not told).</summary>
    public double ToldDownlink => _m.Row == PlanMessages.Ack && _m.Stamp > 0 ? _m.Stamp / PlanMessages.BytesPerSecond : 0;

    /// <summary>Reply: the replier's depth in the app's tree (ushort.MaxValue: not attached).</summary>
    public int Depth => _m.Hops;

    /// <summary>Reply: the replier's children.</summary>
    public PeerHandle[]? Children => _m.Peers;

    /// <summary>Reply: the replier's own parent (none at a root or when it did not say).</summary>
    public PeerHandle Parent => _m.Origin;

    /// <summary>Ack and reply: the sender's load report, or null if absent or malformed.</summary>
    public LoadReport? Report => _m.Payload?.Data is { } data && LoadReport.TryDecode(data.Length == LoadReport.EncodedSize + 16 ? data.AsSpan(0, LoadReport.EncodedSize) : data, out LoadReport report) ? report : null;

    /// <summary>
    /// Reply: the replier's measured round trip to its own parent (µs; 0: none measured, absent or malformed). A child
    /// that would move under the replier, a sibling, prices the hop the model then takes into it from this, not from its
    /// own round trip to the replier (docs/planning.md I.3). It travels where an ack puts its queue wait.
    /// </summary>
    public long ParentRoundTrip => _m.Row == PlanMessages.Reply ? AckQueued : 0;

    /// <summary>Ack: how long it waited in the far end's send queue (µs; 0 when absent or malformed).</summary>
    public long AckQueued => _m.Payload?.Data is { Length: LoadReport.EncodedSize + 16 } d ? Math.Max(0, BinaryPrimitives.ReadInt64BigEndian(d.AsSpan(LoadReport.EncodedSize))) : 0;

    /// <summary>Ack: the far end's time between the transfer and its previous bulk arrival; reply: between the probe and the replier's previous arrival (µs; long.MaxValue when absent or malformed).</summary>
    public long AckGap => _m.Payload?.Data is { Length: LoadReport.EncodedSize + 16 } d && BinaryPrimitives.ReadInt64BigEndian(d.AsSpan(LoadReport.EncodedSize + 8)) is > 0 and long gap ? gap : long.MaxValue;
}

/// <summary>A planned transfer's relay fields by name.</summary>
public readonly ref struct RelayView(ref readonly Message message)
{
    private readonly ref readonly Message _m = ref message;

    /// <summary>The transfer's sender when it came through a relay (none: sent straight).</summary>
    public PeerHandle Sender => _m.Origin;

    /// <summary>At the relay: where to pass it on (none: this node is the destination).</summary>
    public PeerHandle Destination => _m.Peers is [var destination] && !_m.Origin.IsNone ? destination : PeerHandle.None;
}
