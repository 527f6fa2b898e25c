using System.Buffers.Binary;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Network;

namespace Totoro.Sim.Kernel;

/// <summary>
/// A simulated world: one event queue, one peer directory for every node, a topology and a link model.
/// It is the <see cref="INodeContext"/> of whichever node is running: before a node handles an event the world
/// makes it current, so a million nodes share one context object and pay for none of their own.
/// </summary>
public sealed class SimWorld : INodeContext, IPeerDirectory
{
    private readonly EventQueue<SimEvent> _queue;
    private readonly MessageSlots _inFlight = new();
    private readonly NodeId[] _ids;
    private readonly INodeProgram?[] _programs;
    private readonly ulong[] _random;
    private readonly bool[] _alive;
    private readonly ulong _seed;
    private ulong _placement;
    private long[]? _trafficBytes;
    private byte[] _codecBuffer = [];
    private int _current = -1;
    private long _now;

    public SimWorld(int capacity, ITopology topology, NetworkOptions network, ulong seed)
    {
        Topology = topology;
        Links = new LinkModel(topology, capacity, network, seed);
        _ids = new NodeId[capacity];
        _programs = new INodeProgram?[capacity];
        _random = new ulong[capacity];
        _alive = new bool[capacity];
        _seed = seed;
        _placement = SplitMix64.Derive(seed, 0x91ace);
        _queue = new EventQueue<SimEvent>(Math.Max(1024, capacity));
    }

    public ITopology Topology { get; }

    public LinkModel Links { get; }

    public int NodeCount { get; private set; }

    /// <summary>Whoever handles control events (a scenario driving joins, lookups, failures).</summary>
    public Action<int, long>? ControlHandler { get; set; }

    public long EventsProcessed { get; private set; }

    /// <summary>An optional tap on every send (zone metrics); null costs nothing.</summary>
    public SendObserver? OnSend { get; set; }

    /// <summary>
    /// Sends every message through the wire codec and delivers the decoded copy, so that anything the codec loses
    /// changes the run; a message that does not survive it throws. Costs an encode and a decode per send.
    /// </summary>
    public bool CodecCheck { get; init; }

    /// <summary>Bytes of a simulated peer address: its index.</summary>
    public const int AddressBytes = 4;

    public long MessagesSent { get; private set; }

    public long BytesSent { get; private set; }

    public long MessagesLost { get; private set; }

    public long MessagesToDeadNodes { get; private set; }

    public int PendingEvents => _queue.Count;

    /// <summary>
    /// Starts (or restarts from zero) counting bytes per node, sent plus received. Off by default: it costs
    /// 8 bytes per node.
    /// </summary>
    public void ResetPerNodeTraffic() => _trafficBytes = new long[_ids.Length];

    /// <summary>Bytes a node sent plus received since <see cref="ResetPerNodeTraffic"/>.</summary>
    public long TrafficBytes(int index) => _trafficBytes?[index] ?? 0;

    /// <summary>Bytes of world state per node (directory, liveness, random stream, topology, links), excluding the programs.</summary>
    public int BytesPerNode => 16 + 8 + 8 + 1 + Topology.BytesPerNode + Links.BytesPerNode;

    // ---- Building -------------------------------------------------------------------------------------

    /// <summary>Adds a node with the given id, places it, and returns its index (also its peer handle).</summary>
    public int AddNode(NodeId id)
    {
        int index = NodeCount++;
        _ids[index] = id;
        _random[index] = SplitMix64.Derive(_seed, (ulong)index + 1);
        Topology.Place(index, ref _placement);
        Links.Place(index, ref _placement);
        return index;
    }

    /// <summary>Changes a placed node's id before it runs (zone-prefixed ids depend on where the node was placed).</summary>
    public void Rename(int index, NodeId id)
    {
        if (_programs[index] is not null)
            throw new InvalidOperationException($"Node {index} is already running; its id is fixed.");
        _ids[index] = id;
    }

    /// <summary>Gives a node its program and makes it alive.</summary>
    public void Attach(int index, INodeProgram program)
    {
        _programs[index] = program;
        _alive[index] = true;
    }

    public INodeProgram? Program(int index) => _programs[index];

    public bool IsAlive(int index) => _alive[index];

    /// <summary>Crash: the node stops handling messages and timers at once.</summary>
    public void Kill(int index) => _alive[index] = false;

    /// <summary>Makes a node current so that the caller can invoke its protocol code (start, lookup).</summary>
    public void Enter(int index) => _current = index;

    public int Current => _current;

    public NodeId IdAt(int index) => _ids[index];

    /// <summary>Round-trip time between two nodes per the topology, in microseconds.</summary>
    public long RoundTripMicros(int a, int b) => 2 * Topology.OneWayMicros(a, b);

    // ---- Running ----------------------------------------------------------------------------------------

    public void ScheduleControl(long time, int code, long argument)
        => _queue.Schedule(time, new SimEvent { Kind = SimEventKind.Control, Target = code, Argument = argument });

    /// <summary>Handles every event up to and including <paramref name="until"/>, then sets the clock there.</summary>
    public void RunUntil(long until)
    {
        while (_queue.Count > 0 && _queue.PeekTime <= until)
        {
            _queue.TryDequeue(out long time, out SimEvent e);
            PrefetchAhead();
            _now = time;
            EventsProcessed++;
            if ((EventsProcessed & (CollapseEvery - 1)) == 0)
                HugePages.CollapseManagedHeap(); // the heap grown since moves onto 2 MB pages
            Dispatch(e);
        }

        _now = Math.Max(_now, until);
        _current = -1;
    }

    /// <summary>Events between two collapses of the heap onto huge pages (a power of two): a few hundred at a million nodes.</summary>
    private const long CollapseEvery = 1 << 22;

    /// <summary>Events ahead of the one about to run whose node rows (directory, place, program slot, message slot) start loading.</summary>
    private const int RowsAhead = 8;

    /// <summary>Events ahead whose node object and message peers start loading (their rows were asked for <see cref="RowsAhead"/> events ago).</summary>
    private const int ObjectsAhead = 4;

    /// <summary>
    /// Software pipelining of the handlers' first touches: at a million nodes nearly every event's node, sender and
    /// message are cache misses, taken one after another. Asking for the rows of an event a few places ahead, and for
    /// the node objects those rows point at a little later, overlaps the misses. Hints only: nothing here changes
    /// what any event does.
    /// </summary>
    private void PrefetchAhead()
    {
        if (_queue.TryPeekAhead(RowsAhead, out SimEvent far) && far.Kind != SimEventKind.Control)
        {
            CachePrefetch.Row(_programs, far.Target);
            CachePrefetch.Row(_alive, far.Target);
            if (far.Kind == SimEventKind.Deliver)
            {
                ReadOnlySpan<PeerHandle> ends = [new PeerHandle(far.Target), new PeerHandle(far.From)];
                CachePrefetch.Rows(_ids, ends);
                Topology.Prefetch(ends);
                _inFlight.Prefetch((int)far.Argument);
            }
        }

        if (_queue.TryPeekAhead(ObjectsAhead, out SimEvent near) && near.Kind != SimEventKind.Control && (uint)near.Target < (uint)_programs.Length)
        {
            CachePrefetch.Object(_programs[near.Target], 4);
            if (near.Kind == SimEventKind.Deliver)
                _inFlight.PrefetchPeers((int)near.Argument);
        }
    }

    private void Dispatch(in SimEvent e)
    {
        switch (e.Kind)
        {
            case SimEventKind.Deliver:
                Message message = _inFlight.Take((int)e.Argument); // a copy: handling it may send more, and move the slots
                if (!_alive[e.Target])
                {
                    MessagesToDeadNodes++;
                    return;
                }

                _current = e.Target;
                _programs[e.Target]!.Receive(new PeerHandle(e.From), message);
                break;
            case SimEventKind.Timer:
                if (!_alive[e.Target])
                    return;
                _current = e.Target;
                _programs[e.Target]!.OnTimer(e.Timer, e.Argument);
                break;
            case SimEventKind.Control:
                _current = -1;
                ControlHandler?.Invoke(e.Target, e.Argument);
                break;
            default:
                throw new InvalidOperationException($"Unknown event kind {e.Kind}.");
        }
    }

    // ---- INodeContext (for the current node) -----------------------------------------------------

    public long Now => _now;

    public PeerHandle Self => new(_current);

    public NodeId IdOf(PeerHandle peer) => _ids[peer.Index];

    public long ProximityTo(PeerHandle peer) => RoundTripMicros(_current, peer.Index);

    public long SendBacklogMicros => Math.Max(0, Links.UplinkFreeAt(_current) - _now);

    public bool SendBacklogIsTimed => true;

    /// <summary>Issues a cache prefetch of each peer's id and place, so that their misses overlap instead of queueing.</summary>
    public void Prefetch(ReadOnlySpan<PeerHandle> peers)
    {
        CachePrefetch.Rows(_ids, peers);
        Topology.Prefetch(peers);
    }

    public void Send(PeerHandle peer, in Message message)
    {
        if (CodecCheck)
        {
            Message decoded = RoundTrip(peer, message);
            Transmit(peer, decoded);
        }
        else
        {
            Transmit(peer, message);
        }
    }

    private void Transmit(PeerHandle peer, in Message message)
    {
        int bytes = message.EncodedSize;
        OnSend?.Invoke(_current, peer.Index, message);
        MessagesSent++;
        BytesSent += bytes + Links.OverheadBytes;
        long arrival = Links.Transmit(_current, peer.Index, bytes, _now);
        if (_trafficBytes is not null)
            _trafficBytes[_current] += bytes + Links.OverheadBytes;
        if (arrival < 0)
        {
            MessagesLost++;
            return;
        }

        if (_trafficBytes is not null)
            _trafficBytes[peer.Index] += bytes + Links.OverheadBytes;

        _queue.Schedule(arrival, new SimEvent { Kind = SimEventKind.Deliver, Target = peer.Index, From = _current, Argument = _inFlight.Put(message) });
    }

    /// <summary>The message as the receiver would have it after the wire: encoded, decoded and compared field by field.</summary>
    private Message RoundTrip(PeerHandle peer, in Message message)
    {
        int max = MessageCodec.MaxEncodedSize(message);
        if (_codecBuffer.Length < max)
            _codecBuffer = new byte[Math.Max(max, 2 * _codecBuffer.Length)];
        int written = MessageCodec.Encode(message, this, _codecBuffer);
        if (written != MessageCodec.WireSize(message, AddressBytes))
            throw CodecFailure(peer, message, $"the codec wrote {written} bytes, its size function says {MessageCodec.WireSize(message, AddressBytes)}");
        if (!MessageCodec.TryDecode(_codecBuffer.AsSpan(0, written), this, out Message decoded, out string? error))
            throw CodecFailure(peer, message, $"it does not decode: {error}");
        if (CodecDifference(message, decoded) is { } difference)
            throw CodecFailure(peer, message, $"the codec changes its {difference}");
        return decoded;
    }

    private InvalidOperationException CodecFailure(PeerHandle peer, in Message message, string reason)
        => new($"Codec check: {TreeKind.Name(message.Kind)} from node {_current} to node {peer.Index} at {_now} µs: {reason}.");

    /// <summary>The first field the codec did not carry faithfully, or null. Null peers and no peers are the same on the wire.</summary>
    private static string? CodecDifference(in Message sent, in Message received)
    {
        if (sent.Kind != received.Kind || sent.Flags != received.Flags || sent.Row != received.Row || sent.Hops != received.Hops)
            return $"header (kind {sent.Kind} → {received.Kind}, flags {sent.Flags} → {received.Flags}, row {sent.Row} → {received.Row}, hops {sent.Hops} → {received.Hops})";
        if (sent.Key != received.Key || sent.Stamp != received.Stamp || sent.Round != received.Round || sent.Origin != received.Origin)
            return "key, stamp, round or origin";
        if (!(sent.Peers ?? []).AsSpan().SequenceEqual(received.Peers ?? []))
            return "peers";
        if (sent.EncodedSize != received.EncodedSize)
            return $"charged size {sent.EncodedSize} → {received.EncodedSize} bytes";
        if (sent.Payload is not { } p || received.Payload is not { } q)
            return sent.Payload is null == received.Payload is null ? null : "payload presence";
        if (p.Weight.CompareTo(q.Weight) != 0 || p.Bytes != q.Bytes || p.IsSizeOnly != q.IsSizeOnly)
            return $"payload weight or size ({p.Weight} → {q.Weight}, {p.Bytes} → {q.Bytes} bytes)";
        if (!p.Vector.AsSpan().SequenceEqual(q.Vector) || !p.Data.AsSpan().SequenceEqual(q.Data) || !p.Attachment.AsSpan().SequenceEqual(q.Attachment))
            return "payload content or attachment";
        return null;
    }

    public void SetTimer(long delayMicros, int timer, long argument = 0)
        => _queue.Schedule(_now + Math.Max(0, delayMicros), new SimEvent { Kind = SimEventKind.Timer, Target = _current, Timer = timer, Argument = argument });

    public ulong NextRandom() => SplitMix64.Next(ref _random[_current]);

    // ---- IPeerDirectory: in the simulator a peer's address is its index ------------------------------

    public int WriteAddress(PeerHandle peer, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, peer.Index);
        return 4;
    }

    public bool TryResolve(NodeId id, ReadOnlySpan<byte> address, out PeerHandle peer, out string? reason)
    {
        peer = PeerHandle.None;
        if (address.Length != 4)
        {
            reason = $"a simulated address is 4 bytes, not {address.Length}";
            return false;
        }

        int index = BinaryPrimitives.ReadInt32BigEndian(address);
        if (index < 0 || index >= NodeCount)
        {
            reason = $"no simulated node {index}";
            return false;
        }

        if (_ids[index] != id)
        {
            reason = $"node {index} does not have id {id}";
            return false;
        }

        peer = new PeerHandle(index);
        reason = null;
        return true;
    }
}
