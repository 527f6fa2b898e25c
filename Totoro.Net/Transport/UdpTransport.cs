using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using LiteNetLib;

namespace Totoro.Net.Transport;

/// <summary>
/// UDP through LiteNetLib. Small frames go as unconnected datagrams (unreliable, no connection state, what the
/// overlay's keep-alives and lookups are built for); frames too large for one datagram (models, big join replies)
/// go ReliableOrdered over a connection opened on first use, which LiteNetLib fragments, retransmits and paces.
/// Received frames are queued for the host's event loop, which is woken through <see cref="Signal"/>.
/// </summary>
public sealed class UdpTransport : IDisposable
{
    public const string ConnectionKey = "totoro/1";

    /// <summary>Frames up to this size go as one unreliable datagram; larger ones go reliable.</summary>
    public const int MaxUnreliableBytes = 1000;

    private const long ReconnectAfterMillis = 3000;

    private readonly LiteNetManager _manager;
    private readonly ConcurrentQueue<Datagram> _inbox = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<IPEndPoint, LiteNetPeer> _connected = [];
    private readonly Dictionary<IPEndPoint, List<byte[]>> _pending = [];
    private readonly Dictionary<IPEndPoint, long> _connectAt = [];
    private readonly long _impairDelayTicks;
    private volatile bool _cutOff;

    /// <param name="impairLoss">Fraction of received packets to drop on purpose (tests without netem); 0 in real use.</param>
    /// <param name="impairDelay">Time every received frame is held before the host sees it (tests without netem); zero in real use.</param>
    public UdpTransport(double impairLoss = 0, TimeSpan impairDelay = default)
    {
        _impairDelayTicks = (long)(impairDelay.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        NetDebug.Logger = QuietNetLogger.Instance;
        var listener = new EventBasedLiteNetListener();
        listener.ConnectionRequestEvent += OnConnectionRequest;
        listener.PeerConnectedEvent += OnConnected;
        listener.PeerDisconnectedEvent += OnDisconnected;
        listener.NetworkReceiveEvent += (peer, reader, _) => Enqueue(EndpointOf(peer), reader);
        listener.NetworkReceiveUnconnectedEvent += (from, reader, _) => Enqueue(new IPEndPoint(from.Address, from.Port), reader);
        _manager = new LiteNetManager(listener, impairLoss > 0 ? new ImpairmentLayer(impairLoss) : null)
        {
            UnconnectedMessagesEnabled = true,
            UnsyncedEvents = true, // events arrive on LiteNetLib's threads; we queue them for the loop
            AutoRecycle = true,
            IPv6Enabled = false,
            DisconnectTimeout = 15_000,
            MaxConnectAttempts = 20,
        };
    }

    public TransportCounters Counters { get; } = new();

    /// <summary>Connection events worth a log line (a dropped connection, frames lost with it); the host sets it.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>
    /// Whether a peer may open a reliable connection (called on LiteNetLib's thread; must be thread-safe). A certified
    /// host admits only peers it holds a session with, so an unauthenticated sender costs no connection state at all;
    /// null admits anyone who knows the key (an open host).
    /// </summary>
    public Func<IPEndPoint, bool>? AcceptConnection { get; set; }

    /// <summary>Set whenever a frame is queued: the event loop waits on it.</summary>
    public AutoResetEvent Signal { get; } = new(false);

    public IPEndPoint LocalEndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// Testing aid: the host cut off from the network (a namespace's link down), so no frame goes out or comes in.
    /// LiteNetLib's own connection upkeep still flows, so a reliable connection may outlive the cut where a real one would not.
    /// </summary>
    internal bool CutOff
    {
        get => _cutOff;
        set => _cutOff = value;
    }

    /// <summary>Binds to the address and port (0: any free port).</summary>
    public void Start(IPEndPoint listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (listen.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"listen address {listen.Address} is not IPv4; real mode speaks IPv4 for now");
        if (!_manager.Start(listen.Address, IPAddress.IPv6Any, listen.Port))
            throw new IOException($"cannot bind UDP {listen}: the port is taken or the address is not on this host");
        LocalEndPoint = new IPEndPoint(listen.Address, _manager.LocalPort);
    }

    /// <summary>The next received frame whose (impaired) arrival time has come; one consumer only (the host's loop).</summary>
    public bool TryReceive(out Datagram datagram)
    {
        if (_impairDelayTicks == 0)
            return _inbox.TryDequeue(out datagram);
        // A constant delay keeps arrival order, so only the head can be due: peek, then take it.
        if (!_inbox.TryPeek(out datagram) || datagram.ArrivesAt > System.Diagnostics.Stopwatch.GetTimestamp())
            return false;
        return _inbox.TryDequeue(out datagram);
    }

    /// <summary>How long until the oldest held frame arrives (null: nothing held back).</summary>
    public TimeSpan? NextArrival
    {
        get
        {
            if (_impairDelayTicks == 0 || !_inbox.TryPeek(out Datagram head))
                return null;
            long ticks = Math.Max(0, head.ArrivesAt - System.Diagnostics.Stopwatch.GetTimestamp());
            return TimeSpan.FromSeconds(ticks / (double)System.Diagnostics.Stopwatch.Frequency);
        }
    }

    /// <summary>Sends a frame: small ones as a datagram, large ones (or any, when <paramref name="reliable"/>) reliably.</summary>
    public void Send(IPEndPoint to, byte[] frame, bool reliable = false)
    {
        if (CutOff)
            return;
        Interlocked.Increment(ref Counters.DatagramsOut);
        Interlocked.Add(ref Counters.BytesOut, frame.Length);
        if (frame.Length <= MaxUnreliableBytes && !reliable)
        {
            _manager.SendUnconnectedMessage(frame, to);
            return;
        }

        Interlocked.Increment(ref Counters.ReliableOut);
        // LiteNetLib is never called while our lock is held: its threads raise the events below while holding
        // their own locks, so calling it under ours could deadlock.
        LiteNetPeer? ready = null;
        bool connect = false;
        lock (_lock)
        {
            if (_connected.TryGetValue(to, out LiteNetPeer? peer) && peer.ConnectionState == ConnectionState.Connected)
            {
                ready = peer;
            }
            else
            {
                long now = Environment.TickCount64;
                if (!_pending.TryGetValue(to, out List<byte[]>? queue))
                {
                    _pending[to] = queue = [];
                    connect = true;
                }
                else if (now - _connectAt.GetValueOrDefault(to) > ReconnectAfterMillis)
                {
                    connect = true; // the connection we waited for (perhaps the other side's) never came: ask again
                }

                if (connect)
                    _connectAt[to] = now;
                queue.Add(frame);
            }
        }

        if (ready is not null)
            ready.Send(frame, DeliveryMethod.ReliableOrdered);
        else if (connect)
            _manager.Connect(to, ConnectionKey); // null when the other side is already connecting to us: wait for it
    }

    /// <summary>
    /// Reliable packets (fragments of frames) queued in LiteNetLib and not yet acknowledged, over every connection,
    /// plus frames still waiting for their connection: what a bulk sender (a model's chunks) waits on.
    /// </summary>
    public long QueuedReliableBytes
    {
        get
        {
            LiteNetPeer[] peers;
            long waiting = 0;
            lock (_lock)
            {
                peers = [.. _connected.Values];
                foreach (List<byte[]> queue in _pending.Values)
                {
                    foreach (byte[] frame in queue)
                        waiting += frame.Length;
                }
            }

            long packets = 0;
            foreach (LiteNetPeer peer in peers) // LiteNetLib is called outside our lock (see Send)
                packets += peer.GetPacketsCountInReliableQueue(true);
            return waiting + (packets * PacketBytes);
        }
    }

    /// <summary>About what a reliable packet carries (an Ethernet MTU less IP, UDP and LiteNetLib headers).</summary>
    private const int PacketBytes = 1400;

    /// <summary>Connections open now (reliable channels to other hosts).</summary>
    public int Connections
    {
        get
        {
            lock (_lock)
                return _connected.Count;
        }
    }

    private static IPEndPoint EndpointOf(LiteNetPeer peer) => new(peer.Address, peer.Port);

    private void OnConnectionRequest(LiteConnectionRequest request)
    {
        if (AcceptConnection is { } accept && !accept(request.RemoteEndPoint))
        {
            // Dropped on the spot: no peer kept for a timeout, no reject packet sent (nothing to reflect or amplify).
            Interlocked.Increment(ref Counters.ConnectionsRefused);
            request.RejectForce();
            return;
        }

        request.AcceptIfKey(ConnectionKey);
    }

    private void OnConnected(LiteNetPeer peer)
    {
        IPEndPoint endpoint = EndpointOf(peer);
        List<byte[]>? queue;
        lock (_lock)
        {
            _connected[endpoint] = peer;
            _pending.Remove(endpoint, out queue);
        }

        foreach (byte[] frame in queue ?? [])
            peer.Send(frame, DeliveryMethod.ReliableOrdered);
    }

    private void OnDisconnected(LiteNetPeer peer, DisconnectInfo info)
    {
        IPEndPoint endpoint = EndpointOf(peer);
        // Both sides connecting at once: LiteNetLib drops one attempt (PeerToPeerConnection) or an older connection
        // (Reconnect) and accepts the other side's at once, so what waited here goes out on that one.
        bool replaced = info.Reason is DisconnectReason.PeerToPeerConnection or DisconnectReason.Reconnect;
        List<byte[]>? dropped = null;
        lock (_lock)
        {
            if (_connected.TryGetValue(endpoint, out LiteNetPeer? current) && ReferenceEquals(current, peer))
                _connected.Remove(endpoint);
            // A failed connect: what waited for it is lost, as a datagram would be.
            if (!replaced && _pending.Remove(endpoint, out dropped))
                Interlocked.Add(ref Counters.SendFailures, dropped.Count);
        }

        if (dropped is { Count: > 0 })
            Log?.Invoke($"connection to {endpoint} closed ({info.Reason}): {dropped.Count} reliable frame(s) waiting for it dropped");
    }

    private void Enqueue(IPEndPoint from, LiteNetLib.Utils.NetDataReader reader)
    {
        if (CutOff)
            return;
        byte[] data = reader.GetRemainingBytes();
        Interlocked.Increment(ref Counters.DatagramsIn);
        Interlocked.Add(ref Counters.BytesIn, data.Length);
        _inbox.Enqueue(new Datagram(from, data, _impairDelayTicks == 0 ? 0 : System.Diagnostics.Stopwatch.GetTimestamp() + _impairDelayTicks));
        Signal.Set();
    }

    /// <summary>Closes the socket without telling the connected peers (a killed process's way); <see cref="Dispose"/> still follows.</summary>
    internal void Abort() => _manager.Stop(sendDisconnectMessages: false);

    public void Dispose()
    {
        _manager.Stop();
        Signal.Dispose();
    }
}
