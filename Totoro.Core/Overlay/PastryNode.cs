using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// One Pastry node: prefix routing with proximity neighbour selection, a leaf set kept alive by leased pings,
/// and the join protocol done with real messages. It sees the world only through its <see cref="INodeContext"/>.
/// </summary>
public sealed partial class PastryNode : INodeProgram
{
    private const int LeafMaintenanceTimer = 1;
    private const int SuspectTimer = 2;
    private const int JoinRetryTimer = 3;
    private const int HopAckTimer = 4;
    private const int RoutingMaintenanceTimer = 5;

    private readonly INodeContext _context;
    private readonly PastryOptions _options;
    private readonly IOverlayListener? _listener;
    private RoutingTable _routing;
    private LeafSet _leaf;
    private NeighbourhoodSet _neighbours;
    private SuspectList _suspects;
    private PingThrottle _admissionPings;
    private PeerHandle _rightLeaseHolder;
    private PeerHandle _leftLeaseHolder;
    private long _rightHeard;
    private long _leftHeard;
    private int _joinAttempts;

    // Set once the routing table or neighbourhood set loses a member (a death, a silent hop, a leave): until then both
    // only ever took closer peers, so a leaf-set member, offered to both when it entered the leaf set, would change
    // neither if offered again (see LearnAll).
    private bool _tablesShrunk;

    public PastryNode(INodeContext context, NodeId id, PastryOptions options, IOverlayListener? listener)
    {
        _context = context;
        _options = options;
        _listener = listener;
        Id = id;
        _leaf = new LeafSet(options.LeafSetSize, lent: options.NeighbourhoodSize); // the neighbourhood set's slots follow the leaf set's
        _neighbours = new NeighbourhoodSet();
    }

    public NodeId Id { get; }

    public bool IsJoined { get; private set; }

    /// <summary>JoinRequests this node has sent (1 when the first was answered).</summary>
    public int JoinAttempts => _joinAttempts;

    public PastryOptions Options => _options;

    /// <summary>Joins through <paramref name="bootstrap"/>, or founds the overlay when there is none.</summary>
    public void Start(PeerHandle bootstrap)
    {
        if (bootstrap.IsNone)
        {
            CompleteJoin();
            return;
        }

        SendJoin(bootstrap);
    }

    /// <summary>Starts a lookup here: routes a message towards the node numerically closest to the key.</summary>
    public void Lookup(NodeId key)
    {
        var lookup = new Message { Kind = MessageKind.Lookup, Key = key, Origin = _context.Self, Stamp = _context.Now };
        TrackLookup(lookup); // PastryNode.Lookups.cs
        Route(lookup);
    }

    /// <summary>Starts routing any keyed message from this node (hop 0): lookups, tree joins, advertisements.</summary>
    public void Route(in Message message) => RouteMessage(_context.Self, message);

    /// <summary>
    /// The next hop towards a key, or <see cref="PeerHandle.None"/> when this node is the closest it knows of.
    /// Leaf set first, then the routing-table slot for the key's next digit, then any known node that shares
    /// as long a prefix and is numerically closer (Pastry's rare case).
    /// </summary>
    public PeerHandle NextHop(NodeId key) => NextHop(key, PeerHandle.None);

    /// <summary>
    /// The next hop towards a key that is not <paramref name="avoid"/>: an alternative that still makes progress
    /// (a longer shared prefix, or numerically closer), for routing around a peer that seems to have failed.
    /// </summary>
    public PeerHandle NextHop(NodeId key, PeerHandle avoid)
    {
        if (_leaf.Covers(_context, Id, key))
            return _leaf.Closest(_context, Id, key, avoid);

        int b = _options.B;
        int row = Id.SharedPrefixDigits(key, b);
        if (row >= NodeId.DigitCount(b))
            return PeerHandle.None;
        PeerHandle entry = _routing.Get(row, key.Digit(row, b), _options.Columns);
        if (!entry.IsNone && entry != avoid)
            return entry;
        return RareCaseHop(key, row, avoid);
    }

    /// <summary>An upper layer saw a peer stop answering: probe it, and drop it from every table if it stays silent.</summary>
    public void ReportUnresponsive(PeerHandle peer) => Probe(peer);

    public void Receive(PeerHandle from, in Message message)
    {
        Heard(from);
        switch (message.Kind)
        {
            case MessageKind.JoinRequest:
                AcknowledgeHop(from, message);
                OnJoinRequest(message);
                break;
            case MessageKind.JoinReply:
                OnJoinReply(from, message);
                break;
            case MessageKind.Announce:
                Learn(from);
                break;
            case MessageKind.LeafSetPing:
                LearnAll(from, message.Peers);
                _context.Send(from, new Message { Kind = MessageKind.LeafSetPong, Peers = (message.Flags & MessageFlags.LivenessOnly) != 0 ? null : LeafSetArray() });
                break;
            case MessageKind.LeafSetPong:
                LearnAll(from, message.Peers);
                if (_rare?.Confirmation is not null)
                    ConfirmedBy(from, message.Peers); // PastryNode.JoinConfirmation.cs
                break;
            case MessageKind.NodeFailed:
                if (message.Peers is [var failed])
                    Suspect(from, failed);
                break;
            case MessageKind.Lookup:
                AcknowledgeHop(from, message); // PastryNode.Repair.cs
                RouteMessage(from, message);
                break;
            case var layer when MessageKinds.IsRoutedLayer(layer):
                // An upper layer's keyed message (the common API's route): the overlay routes it without reading it.
                if ((message.Flags & MessageFlags.NoHopAck) == 0)
                    AcknowledgeHop(from, message); // PastryNode.Repair.cs
                RouteMessage(from, message);
                break;
            case MessageKind.RouteAck:
                OnHopAck(from, message);
                break;
            case MessageKind.LookupReply:
                OnLookupReply(message);
                break;
            case MessageKind.RowRequest:
                OnRowRequest(from, message);
                break;
            case MessageKind.RowReply:
                LearnAll(from, message.Peers);
                break;
            case MessageKind.Leave:
                OnLeave(from);
                break;
            default:
                break;
        }
    }

    public void OnTimer(int timer, long argument)
    {
        switch (timer)
        {
            case LeafMaintenanceTimer:
                MaintainLeafSet();
                break;
            case SuspectTimer:
                var peer = new PeerHandle((int)argument);
                int probes = 1 + (int)(argument >> 32); // probes sent so far: the count rides in the timer's high bits
                if (probes < _options.ProbeTries && _suspects.IsSuspectSince(peer, _context.Now - _options.ProbeTimeoutMicros))
                {
                    // On a lossy link one lost ping or pong is not a death (a live tree parent taken for dead loses its
                    // child without a word): ask again before ruling.
                    _suspects.Add(peer, dead: false, _context.Now, _suspects.WasReported(peer));
                    _context.Send(peer, new Message { Kind = MessageKind.LeafSetPing, Flags = MessageFlags.LivenessOnly });
                    _context.SetTimer(_options.ProbeTimeoutMicros, SuspectTimer, (uint)peer.Index | ((long)probes << 32));
                    break;
                }

                // A death found first-hand is announced. One another node reported is announced again only by the dead
                // node's other immediate neighbour, whose leaf set reaches the members on the far side of the gap.
                // Only a probe that has run its full timeout rules: the timer of an earlier, answered probe must not
                // kill a peer probed again since (its answer may still be on the way).
                if (_suspects.IsSuspectSince(peer, _context.Now - _options.ProbeTimeoutMicros))
                {
                    bool neighbour = peer == _leaf.Right(0) || peer == _leaf.Left(0);
                    DeclareDead(peer, tellLeafSet: _options.RelayFailureNotices || neighbour || !_suspects.WasReported(peer));
                }

                break;
            case JoinRetryTimer:
                if (!IsJoined)
                    SendJoin(new PeerHandle((int)argument));
                break;
            case HopAckTimer:
                OnHopAckTimeout(argument);
                break;
            case RoutingMaintenanceTimer:
                MaintainRoutingTable();
                break;
            case JoinConfirmTimer:
                OnJoinConfirmTimer(); // PastryNode.JoinConfirmation.cs
                break;
            case LookupTimer:
                OnLookupTimeout(argument);
                break;
            default:
                break;
        }
    }

    // ---- Join -------------------------------------------------------------------------------------------

    private void SendJoin(PeerHandle bootstrap)
    {
        _joinAttempts++;
        _context.Send(bootstrap, new Message { Kind = MessageKind.JoinRequest, Key = Id, Origin = _context.Self, Stamp = _context.Now });
        // A lost request or reply is retried on the link's timescale a few times; past those, something slower than a
        // lost datagram is wrong (an unreachable bootstrap), so the listener hears of it and retries slow down.
        bool fast = _options.JoinRetryMicros > 0 && _joinAttempts <= _options.JoinRetries;
        if (_options.JoinRetryMicros > 0 && _joinAttempts == _options.JoinRetries + 1)
            _listener?.OnJoinStalled(this, bootstrap, _joinAttempts - 1);
        _context.SetTimer(fast ? _options.JoinRetryMicros : _options.JoinTimeoutMicros, JoinRetryTimer, bootstrap.Index);
    }

    private void OnJoinRequest(in Message request)
    {
        PeerHandle joiner = request.Origin;
        int b = _options.B;
        int columns = _options.Columns;
        int shared = Id.SharedPrefixDigits(request.Key, b);
        int firstRow = request.Row;
        int lastRow = Math.Min(shared, _routing.Rows(columns) - 1);

        PeerHandle next = _suspects.Count > 0 ? NextHopAvoidingSuspects(request.Key, PeerHandle.None) : NextHop(request.Key);
        bool final = next.IsNone || next == joiner;
        bool bootstrap = request.Hops == 0;

        int rowCount = lastRow >= firstRow ? _routing.CountFilled(firstRow, lastRow, columns) : 0;
        int leafCount = final ? _leaf.DistinctCount : 0;
        int neighbourCount = bootstrap ? _neighbours.Count : 0;
        if (rowCount + leafCount + neighbourCount > 0 || final || bootstrap)
        {
            var peers = new PeerHandle[rowCount + leafCount + neighbourCount];
            int n = rowCount > 0 ? _routing.CopyFilled(firstRow, lastRow, columns, peers) : 0;
            if (final)
                n += _leaf.CopyDistinct(peers.AsSpan(n));
            for (int i = 0; i < neighbourCount; i++)
                peers[n++] = Neighbours[i];
            var reply = new Message
            {
                Kind = MessageKind.JoinReply,
                Flags = final ? MessageFlags.Final : MessageFlags.None,
                Key = request.Key,
                Hops = request.Hops,
                Stamp = request.Stamp,
                Peers = peers,
            };
            _context.Send(joiner, reply);
        }

        if (!final)
        {
            byte nextRow = (byte)Math.Min(byte.MaxValue, Math.Max(firstRow, shared + 1));
            SendHop(next, request with { Hops = (ushort)(request.Hops + 1), Row = nextRow }, tries: 0);
        }
    }

    private void OnJoinReply(PeerHandle from, in Message reply)
    {
        LearnAll(from, reply.Peers, trustPeers: true);
        if ((reply.Flags & MessageFlags.Final) != 0 && !IsJoined)
            CompleteJoin();
    }

    private void CompleteJoin()
    {
        IsJoined = true;
        // The leaf set came from replies that may name nodes which have died since: probe its members (the probe
        // also announces this node to them), and just announce this node to the rest.
        bool confirm = _options.ConfirmLeafSetOnJoin;
        foreach (PeerHandle peer in StateMembers())
        {
            if (confirm && _leaf.Contains(peer))
                continue; // asked below, with this node's leaf set
            if (_options.ProbeLeafSetOnJoin && _leaf.Contains(peer))
                Probe(peer);
            else
                _context.Send(peer, new Message { Kind = MessageKind.Announce });
        }

        // Spread the keep-alive phases so that a million nodes do not ping in the same microsecond.
        long phase = (long)(_context.NextRandom() % (ulong)_options.LeafSetPingPeriodMicros);
        _context.SetTimer(phase + 1, LeafMaintenanceTimer);
        if (_options.RoutingMaintenancePeriodMicros > 0)
            _context.SetTimer(1 + (long)(_context.NextRandom() % (ulong)_options.RoutingMaintenancePeriodMicros), RoutingMaintenanceTimer);
        if (confirm)
            StartJoinConfirmation(); // PastryNode.JoinConfirmation.cs: the layers above hear of the join once its leaf set has answered
        else
            _listener?.OnJoined(this);
    }

    /// <summary>Every distinct node in the leaf set, routing table and neighbourhood set.</summary>
    private PeerHandle[] StateMembers()
    {
        int columns = _options.Columns;
        int rows = _routing.Rows(columns);
        var all = new PeerHandle[_leaf.DistinctCount + _routing.CountFilled(0, rows - 1, columns) + _neighbours.Count];
        int n = _leaf.CopyDistinct(all);
        n += _routing.CopyFilled(0, rows - 1, columns, all.AsSpan(n));
        Neighbours.CopyTo(all.AsSpan(n));
        n += _neighbours.Count;
        System.Runtime.InteropServices.MemoryMarshal.Cast<PeerHandle, int>(all.AsSpan()).Sort(); // a handle is its index + 1: same order, no comparer
        int distinct = 0;
        for (int i = 0; i < all.Length; i++)
        {
            if (distinct == 0 || all[distinct - 1] != all[i])
                all[distinct++] = all[i];
        }

        return all[..distinct];
    }

    // ---- Routing ----------------------------------------------------------------------------------------

    private void RouteMessage(PeerHandle from, in Message message)
    {
        PeerHandle next = Zones is null ? NextHop(message.Key) : ZonedNextHop(message); // zones: PastryNode.Zones.cs
        if (_listener is not null && !_listener.OnForward(this, from, message, next))
            return;
        if (next.IsNone)
            Deliver(from, message); // PastryNode.Lookups.cs
        else if (Zones is null || !RefusedAtBoundary(message))
            SendHop(next, message with { Hops = (ushort)(message.Hops + 1) }, tries: 0); // PastryNode.Repair.cs
    }

    private PeerHandle RareCaseHop(NodeId key, int row, PeerHandle avoid)
    {
        int b = _options.B;
        PeerHandle best = PeerHandle.None;
        NodeId bestId = Id;
        void Consider(PeerHandle candidate)
        {
            if (candidate.IsNone || candidate == avoid || (_suspects.Count > 0 && _suspects.Contains(candidate)))
                return;
            NodeId id = _context.IdOf(candidate);
            if (id.SharedPrefixDigits(key, b) >= row && key.IsCloser(id, bestId))
            {
                best = candidate;
                bestId = id;
            }
        }

        for (int i = 0; i < _leaf.RightCount; i++)
            Consider(_leaf.Right(i));
        for (int i = 0; i < _leaf.LeftCount; i++)
            Consider(_leaf.Left(i));
        int columns = _options.Columns;
        for (int r = row; r < _routing.Rows(columns); r++)
        {
            for (int c = 0; c < columns; c++)
                Consider(_routing.Get(r, c, columns));
        }

        foreach (PeerHandle neighbour in Neighbours)
            Consider(neighbour);
        return best;
    }

    // ---- Learning about other nodes ------------------------------------------------------------------

    private void Learn(PeerHandle peer, bool mayBeMember = false)
    {
        if (peer.IsNone || peer == _context.Self || _suspects.IsDead(peer, _context.Now))
            return;
        NodeId id = _context.IdOf(peer);
        bool member = mayBeMember && OfferedBefore(peer);
        _leaf.TryAdd(_context, Id, peer, id);
        if (member)
            return;
        long proximity = Proximity.Unknown; // measured once, by whichever table needs it first
        SlotMemo memo = SlotMemo.Empty;
        _routing.TryAdd(_context, Id, _options.B, peer, id, ref proximity, ref memo);
        _neighbours.TryAdd(_context, _leaf.Lent, peer, ref proximity);
    }

    /// <summary>
    /// Whether offering <paramref name="peer"/> to the routing table and neighbourhood set again is known to change
    /// neither: it is a leaf-set member (so both were offered it when it entered) and neither table has lost a member
    /// since (each keeps the closest peers offered, and proximity to a peer does not change). Skipping those offers
    /// skips measuring the peer and the slot's holder, the main cost of a keep-alive's peers.
    /// </summary>
    private bool OfferedBefore(PeerHandle peer) => !_tablesShrunk && _leaf.Contains(peer);

    /// <summary>
    /// Learns a sender directly and the peers it lists second-hand. A second-hand peer that would enter the
    /// leaf set is probed first and admitted when it answers: gossip may still carry nodes that have died.
    /// </summary>
    private void LearnAll(PeerHandle from, PeerHandle[]? peers, bool trustPeers = false)
    {
        if (peers is not null)
            _context.Prefetch(peers); // their ids and places load while the sender is learned
        Learn(from, mayBeMember: true); // a keep-alive's sender is usually a leaf-set member
        if (peers is null)
            return;
        if (trustPeers)
        {
            foreach (PeerHandle peer in peers)
                Learn(peer);
            return;
        }

        // Second-hand peers never change the leaf set here (they are only probed): its reach, once measured, holds.
        SlotMemo memo = SlotMemo.Empty;
        foreach (PeerHandle peer in peers)
        {
            if (peer.IsNone || peer == _context.Self || _suspects.IsDead(peer, _context.Now) || OfferedBefore(peer))
                continue; // a member: no table would change, and WouldAdmit turns members away
            NodeId id = _context.IdOf(peer);
            long proximity = Proximity.Unknown;
            _routing.TryAdd(_context, Id, _options.B, peer, id, ref proximity, ref memo);
            _neighbours.TryAdd(_context, _leaf.Lent, peer, ref proximity);
            if (_leaf.WouldAdmit(_context, Id, peer, id) && _admissionPings.ShouldPing(peer, _context.Now, _options.PingThrottleMicros))
                _context.Send(peer, new Message { Kind = MessageKind.LeafSetPing });
        }
    }

    // ---- Leaf-set keep-alives, leases, failures ------------------------------------------------------

    private void Heard(PeerHandle from)
    {
        ForgetDeparted(from); // PastryNode.Departed.cs
        if (from == _rightLeaseHolder)
            _rightHeard = _context.Now;
        if (from == _leftLeaseHolder)
            _leftHeard = _context.Now;
        if (_suspects.Count > 0)
            _suspects.Clear(from);
    }

    private void MaintainLeafSet()
    {
        long now = _context.Now;
        _suspects.Prune(now);
        _admissionPings.ReleaseIfStale(now, _options.PingThrottleMicros);
        CheckLease(_leaf.Right(0), ref _rightLeaseHolder, ref _rightHeard, now);
        CheckLease(_leaf.Left(0), ref _leftLeaseHolder, ref _leftHeard, now);

        PeerHandle right = _leaf.Right(0);
        PeerHandle left = _leaf.Left(0);
        if (!right.IsNone || !left.IsNone)
        {
            PeerHandle[] leafSet = LeafSetArray();
            if (!right.IsNone)
                _context.Send(right, new Message { Kind = MessageKind.LeafSetPing, Peers = leafSet });
            if (!left.IsNone && left != right)
                _context.Send(left, new Message { Kind = MessageKind.LeafSetPing, Peers = leafSet });
        }

        ProbeLeafMembers(); // PastryNode.Repair.cs
        ProbeDeparted(); // PastryNode.Departed.cs
        _context.SetTimer(_options.LeafSetPingPeriodMicros, LeafMaintenanceTimer);
    }

    /// <summary>The lease runs against whoever is the immediate neighbour now; a new neighbour starts a fresh lease.</summary>
    private void CheckLease(PeerHandle neighbour, ref PeerHandle holder, ref long heard, long now)
    {
        if (neighbour != holder)
        {
            holder = neighbour;
            heard = now;
            return;
        }

        if (!holder.IsNone && now - heard > _options.LeaseMicros)
        {
            PeerHandle silent = holder;
            holder = PeerHandle.None; // a new lease starts at the next check, whoever the neighbour is then
            if (_options.ProbeExpiredLeases)
                Probe(silent); // dropped only if it stays silent through the probe too
            else
                DeclareDead(silent, tellLeafSet: true);
        }
    }

    /// <summary>Failure notices ignored because their sender is not in this node's leaf set (<see cref="PastryOptions.FailureNoticesFromLeafSetOnly"/>).</summary>
    public long IgnoredFailureNotices => _rare?.IgnoredFailureNotices ?? 0;

    /// <summary>Another node says a peer failed: probe it, and drop it if it stays silent.</summary>
    private void Suspect(PeerHandle from, PeerHandle peer)
    {
        if (!_leaf.Contains(peer))
            return;
        if (_options.FailureNoticesFromLeafSetOnly && !_leaf.Contains(from))
        {
            Rare.IgnoredFailureNotices++; // only a neighbour of the dead node is in a position to know (Castro et al.)
            return;
        }

        Probe(peer, reported: true);
    }

    /// <summary>Pings a peer and declares it dead unless it says anything within the probe timeout.</summary>
    private void Probe(PeerHandle peer, bool reported = false)
    {
        if (peer.IsNone || peer == _context.Self || _suspects.Contains(peer))
            return;
        _suspects.Add(peer, dead: false, _context.Now, reported);
        _context.Send(peer, new Message { Kind = MessageKind.LeafSetPing, Flags = MessageFlags.LivenessOnly });
        _context.SetTimer(_options.ProbeTimeoutMicros, SuspectTimer, peer.Index);
    }

    private void DeclareDead(PeerHandle peer, bool tellLeafSet)
    {
        _suspects.Add(peer, dead: true, _context.Now + (2 * _options.LeaseMicros));
        RememberDeparted(peer); // PastryNode.Departed.cs
        if (_rare?.Confirmation is not null)
            ConfirmationLost(peer); // PastryNode.JoinConfirmation.cs
        _leaf.Remove(peer);
        int row = _routing.Find(peer, _options.Columns).Row;
        _routing.Remove(peer);
        _neighbours.Remove(_context, _leaf.Lent, peer);
        _tablesShrunk = true;
        if (row >= 0)
            RepairRow(row, peer); // PastryNode.Repair.cs
        _listener?.OnPeerDead(this, peer);
        RerouteHopsTo(peer); // PastryNode.Repair.cs
        if (tellLeafSet)
        {
            var notice = new Message { Kind = MessageKind.NodeFailed, Peers = [peer] };
            Span<PeerHandle> members = stackalloc PeerHandle[_options.LeafSetSize];
            int n = _leaf.CopyDistinct(members);
            for (int i = 0; i < n; i++)
                _context.Send(members[i], notice);
        }

        // Failures come in runs: the new immediate neighbours may be dead too, so ask them now rather than
        // after another lease.
        Probe(_leaf.Right(0));
        Probe(_leaf.Left(0));

        // Refill: the farthest member on each side knows the nodes just beyond our view.
        PeerHandle[] leafSet = LeafSetArray();
        PeerHandle farRight = _leaf.RightCount > 0 ? _leaf.Right(_leaf.RightCount - 1) : PeerHandle.None;
        PeerHandle farLeft = _leaf.LeftCount > 0 ? _leaf.Left(_leaf.LeftCount - 1) : PeerHandle.None;
        if (!farRight.IsNone)
            _context.Send(farRight, new Message { Kind = MessageKind.LeafSetPing, Peers = leafSet });
        if (!farLeft.IsNone && farLeft != farRight)
            _context.Send(farLeft, new Message { Kind = MessageKind.LeafSetPing, Peers = leafSet });
    }

    private PeerHandle[] LeafSetArray()
    {
        var peers = new PeerHandle[_leaf.DistinctCount];
        _leaf.CopyDistinct(peers);
        return peers;
    }

    // ---- Inspection (tests, metrics) -----------------------------------------------------------------

    /// <summary>The clockwise half of the leaf set, closest first.</summary>
    public PeerHandle[] RightLeaves()
    {
        var result = new PeerHandle[_leaf.RightCount];
        for (int i = 0; i < result.Length; i++)
            result[i] = _leaf.Right(i);
        return result;
    }

    /// <summary>The counter-clockwise half of the leaf set, closest first.</summary>
    public PeerHandle[] LeftLeaves()
    {
        var result = new PeerHandle[_leaf.LeftCount];
        for (int i = 0; i < result.Length; i++)
            result[i] = _leaf.Left(i);
        return result;
    }

    public int RoutingRows => _routing.Rows(_options.Columns);

    public PeerHandle RoutingEntry(int row, int column) => _routing.Get(row, column, _options.Columns);

    public int NeighbourCount => _neighbours.Count;

    /// <summary>The neighbourhood set's members, closest first (its slots are lent by the leaf set's array).</summary>
    private ReadOnlySpan<PeerHandle> Neighbours => _leaf.Lent[.._neighbours.Count];

    public bool KnowsOf(PeerHandle peer) => _leaf.Contains(peer);

    /// <summary>
    /// The leaf-set member <paramref name="rank"/> places from this node on one side (0: the closest, whose lease this
    /// node holds and which holds this node's), or none; an upper layer leans on the leaf set's mutual watch.
    /// </summary>
    public PeerHandle LeafNeighbour(bool clockwise, int rank) => clockwise ? _leaf.Right(rank) : _leaf.Left(rank);
}
