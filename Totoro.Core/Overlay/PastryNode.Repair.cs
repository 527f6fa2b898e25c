using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// Repair under churn, kept apart from the core protocol: per-hop acknowledgements of lookups (a silent hop is
/// routed around), routing-table repair from a peer's row when an entry dies, periodic routing-table maintenance,
/// and graceful leave.
/// </summary>
public sealed partial class PastryNode
{
    private List<PendingHop>? _pendingHops;
    private int _nextHopSequence;
    private int _probeCursor;

    /// <summary>Leaves gracefully: tells every leaf-set member, which drops this node at once instead of after a lease.</summary>
    public void Leave()
    {
        Span<PeerHandle> members = stackalloc PeerHandle[_options.LeafSetSize];
        int n = _leaf.CopyDistinct(members);
        for (int i = 0; i < n; i++)
            _context.Send(members[i], new Message { Kind = MessageKind.Leave });
        IsJoined = false;
        if (_rare is not null)
            _rare.Confirmation = null;
    }

    /// <summary>Lookups this node gave up on because every next hop it tried stayed silent.</summary>
    public int DroppedLookups => _rare?.DroppedLookups ?? 0;

    // ---- Per-hop acknowledgements ---------------------------------------------------------------------

    /// <summary>Sends a routed message to its next hop; a lookup waits for the hop's ack and is re-routed without one.</summary>
    private void SendHop(PeerHandle next, in Message message, int tries)
    {
        _context.Send(next, message);
        if (!IsHopAcked(message) || _options.HopAckTimeoutMicros <= 0)
            return;
        int sequence = _nextHopSequence++;
        (_pendingHops ??= []).Add(new PendingHop(sequence, next, message, tries));
        _context.SetTimer(_options.HopAckTimeoutMicros, HopAckTimer, sequence);
    }

    /// <summary>Lookups, joins and the upper layers' routed messages wait for each hop's ack, unless the layer asked not to.</summary>
    private static bool IsHopAcked(in Message message)
        => message.Kind is MessageKind.Lookup or MessageKind.JoinRequest
            || (MessageKinds.IsRoutedLayer(message.Kind) && (message.Flags & MessageFlags.NoHopAck) == 0);

    /// <summary>
    /// Sends a tree JOIN this node starts (or pushes down to a child) with a per-hop ack, so that a hop that died unnoticed
    /// costs the hop-ack timeout (then <see cref="IOverlayListener.OnHopSilent"/>) instead of the forest's join timeout.
    /// </summary>
    public void SendAcked(PeerHandle next, in Message message) => SendHop(next, message, 0);

    private void AcknowledgeHop(PeerHandle from, in Message message)
    {
        if (_options.HopAckTimeoutMicros > 0 && from != _context.Self)
            _context.Send(from, new Message { Kind = MessageKind.RouteAck, Key = message.Key, Stamp = message.Stamp });
    }

    private void OnHopAck(PeerHandle from, in Message ack)
    {
        if (_pendingHops is null)
            return;
        for (int i = 0; i < _pendingHops.Count; i++)
        {
            PendingHop p = _pendingHops[i];
            if (p.Next == from && p.Message.Key == ack.Key && p.Message.Stamp == ack.Stamp)
            {
                _pendingHops.RemoveAt(i);
                break;
            }
        }

        if (_pendingHops.Count == 0)
            _pendingHops = null;
    }

    /// <summary>
    /// A peer was declared dead: messages still waiting for its hop ack are routed on now, not when their timers
    /// fire (up to a hop-ack timeout later). This matters where the dead peer was the only way on, such as an app's
    /// old root, which JOINs are sent to again and again until the probe rules.
    /// </summary>
    private void RerouteHopsTo(PeerHandle dead)
    {
        if (_pendingHops is null)
            return;
        int[] waiting = [.. _pendingHops.Where(p => p.Next == dead).Select(p => p.Sequence)];
        foreach (int sequence in waiting)
            OnHopAckTimeout(sequence);
    }

    /// <summary>
    /// The next hop did not acknowledge: suspect it (a probe decides whether it is dead), evict it from the routing
    /// table now (a table entry is only a cache), and route around it, skipping every peer under suspicion.
    /// </summary>
    private void OnHopAckTimeout(long sequence)
    {
        if (_pendingHops is null)
            return;
        int at = _pendingHops.FindIndex(p => p.Sequence == sequence);
        if (at < 0)
            return;
        PendingHop pending = _pendingHops[at];
        _pendingHops.RemoveAt(at);
        if (_pendingHops.Count == 0)
            _pendingHops = null;

        Probe(pending.Next);
        _routing.Remove(pending.Next);
        _tablesShrunk = true;
        if (pending.Tries >= _options.HopRetries)
        {
            Rare.DroppedLookups++;
            return;
        }

        Message message = pending.Message with { Hops = (ushort)Math.Max(0, pending.Message.Hops - 1) };
        if (message.Kind == MessageKind.JoinRequest)
        {
            // Handle the join again here: the silent hop is now suspected, so the next choice avoids it (and this node
            // may turn out to be the joiner's closest); its rows are sent again, which is harmless.
            OnJoinRequest(message);
            return;
        }

        // An upper layer's message: the layer may send it again its own way (a tree JOIN picks its next hop itself);
        // otherwise it is routed around the silent hop like a lookup.
        if (MessageKinds.IsRoutedLayer(message.Kind) && _listener is not null && _listener.OnHopSilent(this, pending.Next, pending.Message))
            return;

        PeerHandle next = Zones is null ? NextHopAvoidingSuspects(message.Key, pending.Next) : ZonedNextHop(message);
        if (next == pending.Next)
        {
            Rare.DroppedLookups++;
            return;
        }

        if (next.IsNone)
            Deliver(_context.Self, message);
        else
            SendHop(next, message with { Hops = (ushort)(message.Hops + 1) }, pending.Tries + 1);
    }

    /// <summary>
    /// The next hop of a global route that skips every peer this node is probing or knows dead, so that an upper
    /// layer (a tree JOIN) does not send into a hop the overlay already doubts and wait out its own timeout.
    /// Zone-local routes keep <see cref="NextHop(NodeId, PeerHandle, RouteScope)"/>.
    /// </summary>
    public PeerHandle NextLiveHop(NodeId key, PeerHandle avoid, RouteScope scope) =>
        scope == RouteScope.Global && _suspects.Count > 0 ? NextHopAvoidingSuspects(key, avoid) : NextHop(key, avoid, scope);

    /// <summary>Whether the overlay is probing <paramref name="peer"/> or has declared it dead.</summary>
    public bool Doubts(PeerHandle peer) => _suspects.Contains(peer);

    /// <summary>Like <see cref="NextHop(NodeId, PeerHandle)"/>, but no peer under suspicion is chosen either.</summary>
    private PeerHandle NextHopAvoidingSuspects(NodeId key, PeerHandle avoid)
    {
        if (_leaf.Covers(_context, Id, key))
        {
            PeerHandle best = PeerHandle.None;
            NodeId bestId = Id;
            void Consider(PeerHandle p)
            {
                if (p.IsNone || p == avoid || _suspects.Contains(p))
                    return;
                NodeId id = _context.IdOf(p);
                if (key.IsCloser(id, bestId))
                {
                    best = p;
                    bestId = id;
                }
            }

            for (int i = 0; i < _leaf.RightCount; i++)
                Consider(_leaf.Right(i));
            for (int i = 0; i < _leaf.LeftCount; i++)
                Consider(_leaf.Left(i));
            return best;
        }

        int b = _options.B;
        int row = Id.SharedPrefixDigits(key, b);
        if (row >= NodeId.DigitCount(b))
            return PeerHandle.None;
        PeerHandle entry = _routing.Get(row, key.Digit(row, b), _options.Columns);
        if (!entry.IsNone && entry != avoid && !_suspects.Contains(entry))
            return entry;
        return RareCaseHop(key, row, avoid);
    }

    /// <summary>
    /// Leases cover only the two immediate neighbours; a dead member farther out that no failure notice reached
    /// (learned from a stale join reply, say) would stay forever. Each period probes a few members in turn.
    /// </summary>
    private void ProbeLeafMembers()
    {
        if (_options.LeafProbesPerPeriod == 0)
            return;
        Span<PeerHandle> members = stackalloc PeerHandle[_options.LeafSetSize];
        int n = _leaf.CopyDistinct(members);
        for (int k = 0; k < Math.Min(n, _options.LeafProbesPerPeriod); k++)
            Probe(members[_probeCursor++ % n]);
    }

    // ---- Routing-table repair and maintenance ----------------------------------------------------------

    /// <summary>An entry of <paramref name="row"/> died: ask another node of that row (or a deeper one) for its row.</summary>
    private void RepairRow(int row, PeerHandle dead)
    {
        int columns = _options.Columns;
        for (int r = row; r < _routing.Rows(columns); r++)
        {
            PeerHandle peer = _routing.AnyInRow(r, columns, _context.NextRandom(), dead);
            if (!peer.IsNone && !_suspects.Contains(peer))
            {
                _context.Send(peer, new Message { Kind = MessageKind.RowRequest, Row = (byte)row });
                return;
            }
        }
    }

    /// <summary>FreePastry's periodic maintenance: each row asks one of its entries for that entry's same row.</summary>
    private void MaintainRoutingTable()
    {
        int columns = _options.Columns;
        for (int r = 0; r < _routing.Rows(columns); r++)
        {
            PeerHandle peer = _routing.AnyInRow(r, columns, _context.NextRandom());
            if (!peer.IsNone)
                _context.Send(peer, new Message { Kind = MessageKind.RowRequest, Row = (byte)r });
        }

        _context.SetTimer(_options.RoutingMaintenancePeriodMicros, RoutingMaintenanceTimer);
    }

    private void OnRowRequest(PeerHandle from, in Message request)
    {
        int columns = _options.Columns;
        int row = request.Row;
        int count = row < _routing.Rows(columns) ? _routing.CountFilled(row, row, columns) : 0;
        var peers = new PeerHandle[count];
        if (count > 0)
            _routing.CopyFilled(row, row, columns, peers);
        _context.Send(from, new Message { Kind = MessageKind.RowReply, Row = request.Row, Peers = peers });
    }

    private void OnLeave(PeerHandle from)
    {
        if (_leaf.Contains(from) || _routing.Find(from, _options.Columns).Row >= 0 || _neighbours.Remove(_context, _leaf.Lent, from))
            DeclareDead(from, tellLeafSet: false);
    }

    private readonly record struct PendingHop(int Sequence, PeerHandle Next, Message Message, int Tries);
}
