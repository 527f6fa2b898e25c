using System.Diagnostics;
using System.Net;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Transport;

namespace Totoro.Net.Hosting;

/// <summary>
/// One real host: a UDP socket, one event loop thread and K logical nodes, each the same <see cref="ForestNode"/>
/// (over the same <c>PastryNode</c>) the simulator runs. The loop takes received frames, local messages between
/// its own nodes and due timers one at a time, so protocol code sees exactly the single-threaded world it sees in
/// the simulator; only the clock (wall, µs since the host started) and the socket differ.
/// </summary>
public sealed partial class NodeHost : IDisposable
{
    private const int MaxLocalPerTurn = 10_000;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HostOptions _options;
    private readonly UdpTransport _transport;
    private readonly Queue<(int To, PeerHandle From, Message Message)> _local = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<NodeId, int> _byId = [];
    private readonly RateLimiter _limiter;
    private ForestNode[] _nodes = [];
    private HostNodeContext[] _contexts = [];
    private bool[] _joined = [];
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile bool _killed;
    private MetricsWriter? _metrics;
    private ProcessUsage? _usage;
    private long _nextMetrics;
    private long _messagesIn;
    private long _messagesOut;
    private long _localMessages;
    private long _handlerErrors;
    private long _treeBytesIn;
    private long _treeBytesOut;

    public NodeHost(HostOptions options, HostLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems));
        _options = options;
        _transport = new UdpTransport(options.ImpairLoss, TimeSpan.FromMilliseconds(options.ImpairDelayMs));
        Log = log;
        Log.Clock = () => Now;
        _transport.Log = line => Log.Warn(line);
        _limiter = new RateLimiter(options.PeerRatePerSecond, options.PeerBurst);
        Apps = new HostedApps(this);
        Control = new ControlService(this);
    }

    /// <summary>Microseconds since the host started: every logical node's clock.</summary>
    public long Now => (long)(_clock.ElapsedTicks * (1_000_000.0 / Stopwatch.Frequency));

    public HostLog Log { get; }

    public HostOptions Options => _options;

    public IPEndPoint Endpoint => _transport.LocalEndPoint;

    public EndpointDirectory Directory { get; } = new();

    public TimerQueue Timers { get; } = new();

    public TransportCounters Counters => _transport.Counters;

    public int NodeCount => _nodes.Length;

    public int JoinedCount => _joined.Count(j => j);

    public long MessagesIn => Interlocked.Read(ref _messagesIn);

    public long MessagesOut => Interlocked.Read(ref _messagesOut);

    public long HandlerErrors => Interlocked.Read(ref _handlerErrors);

    /// <summary>Rows of metrics.csv the disk did not take (the node runs on).</summary>
    public long MetricsRowsDropped => _metrics?.RowsDropped ?? 0;

    /// <summary>Bytes of tree data (models down, updates up: <see cref="IsTreeData"/>) this host's socket received.</summary>
    public long TreeBytesIn => Interlocked.Read(ref _treeBytesIn);

    /// <summary>Bytes of tree data this host's socket sent (not what went between its own nodes).</summary>
    public long TreeBytesOut => Interlocked.Read(ref _treeBytesOut);

    /// <summary>Where the metrics CSV is written, if anywhere.</summary>
    public string? MetricsPath => _metrics?.Path;

    internal HostedApps Apps { get; }

    internal ControlService Control { get; }

    internal ForestNode Node(int index) => _nodes[index];

    internal bool IsJoined(int index) => _joined[index];

    internal bool TryIndexOf(NodeId id, out int index) => _byId.TryGetValue(id, out index);

    /// <summary>Binds the socket, creates the logical nodes and starts the event loop (which joins them).</summary>
    public void Start()
    {
        _transport.Start(_options.Listen);
        ZoneMap? zones = _options.Zones > 1 ? new ZoneMap(_options.Zones) : null;
        int k = _options.LogicalNodes;
        Apps.CreateLearners(k, _options.OwnData);
        NodeId[] ids = _options.Credentials is { } credentials
            ? NodeIds.Derive(credentials.Certificate, k, zones, _options.Zone)
            : NodeIds.Load(_options.DataDir, k, zones, _options.Zone);
        StartSecurity(zones);
        _nodes = new ForestNode[k];
        _contexts = new HostNodeContext[k];
        _joined = new bool[k];
        for (int i = 0; i < k; i++)
        {
            NodeId id = ids[i];
            PeerHandle self = Directory.Add(id, Endpoint);
            _contexts[i] = new HostNodeContext(this, i, self, (ulong)id.Value ^ (ulong)(id.Value >> 64));
            _nodes[i] = new ForestNode(_contexts[i], id, SecurePastry(_options.Pastry), LearningTreeHooks.Default, Apps, Apps) { BroadcastSeal = _rootSeal };
            _nodes[i].UsePlanning(_options.Planning);
            if (_options.DataDir is { } stateDir)
                _nodes[i].ReplicaStore = new ReplicaFiles(Path.Combine(stateDir, "state", $"n{i}"), Directory, Log);
            if (zones is not null)
                _nodes[i].Overlay.Zones = new ZonePolicy(zones);
            _byId[id] = i;
        }

        if (_options.DataDir is { } dir)
        {
            _metrics = new MetricsWriter(dir);
            _usage = new ProcessUsage(Now);
        }

        Log.Info($"listening on {Endpoint} with {k} logical node(s), first id {_nodes[0].Overlay.Id}");
        _thread = new Thread(Loop) { Name = "totoro-host", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Runs an action on the event loop thread (from any thread).</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        _transport.Signal.Set();
    }

    /// <summary>Asks the loop to leave gracefully (tell the leaf sets) and stop; returns at once.</summary>
    public void RequestStop()
    {
        _stopping = true;
        try
        {
            _transport.Signal.Set();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Waits until the host's first node has joined the overlay (false at the timeout, or when the host stops first).</summary>
    public bool WaitForFirstJoin(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !_stopping)
        {
            if (_joined.Length > 0 && Volatile.Read(ref _joined[0]))
                return true;
            Thread.Sleep(50);
        }

        return _joined.Length > 0 && Volatile.Read(ref _joined[0]);
    }

    /// <summary>
    /// Stops the way kill -9 does, for tests of restarts: no goodbye to the trees or the leaf sets and no disconnect on
    /// the wire, so the peers learn of it only by their own timeouts; the port is free afterwards.
    /// </summary>
    internal void Kill()
    {
        _killed = true;
        RequestStop();
        WaitForExit(TimeSpan.FromSeconds(5));
        _transport.Abort();
    }

    /// <summary>Testing aid: cuts the host off the network (nothing in or out) or puts it back, as the soak's namespace cut.</summary>
    internal bool CutOff
    {
        get => _transport.CutOff;
        set => _transport.CutOff = value;
    }

    /// <summary>Waits for the loop to finish after <see cref="RequestStop"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _thread?.Join(timeout) ?? true;

    public void Dispose()
    {
        RequestStop();
        WaitForExit(TimeSpan.FromSeconds(5));
        _transport.Dispose();
        _secure?.Dispose();
        _metrics?.Dispose();
    }

    // ---- The event loop ---------------------------------------------------------------------------------

    private void Loop()
    {
        PeerHandle bootstrap = _options.Bootstrap is { } b ? Directory.Add(NodeId.Zero, b) : PeerHandle.None;
        Guard(() => _nodes[0].Join(bootstrap));
        _nextMetrics = Now;
        while (!_stopping)
        {
            Turn();
            long wait = _local.Count > 0 || !_posted.IsEmpty ? 0 : Math.Min(Timers.NextDue - Now, 50_000);
            if (_transport.NextArrival is { } held)
                wait = Math.Min(wait, Math.Max(1, (long)held.TotalMicroseconds));
            if (wait > 0)
                _transport.Signal.WaitOne(TimeSpan.FromMicroseconds(wait));
        }

        if (!_killed)
            Leave();
    }

    private void Turn()
    {
        while (_posted.TryDequeue(out Action? action))
            Guard(action);
        int budget = MaxLocalPerTurn;
        while (budget-- > 0 && _transport.TryReceive(out Datagram datagram))
            Handle(datagram);
        budget = MaxLocalPerTurn;
        while (budget-- > 0 && _local.TryDequeue(out var local))
        {
            Interlocked.Increment(ref _localMessages);
            Guard(() => _nodes[local.To].Receive(local.From, local.Message));
        }

        long now = Now;
        while (Timers.TryTakeDue(now, out TimerQueue.Entry timer))
        {
            if (timer.Task is { } task)
                Guard(task);
            else
                Guard(() => _nodes[timer.Node].OnTimer(timer.Timer, timer.Argument));
        }

        if (_metrics is not null && now >= _nextMetrics)
        {
            _nextMetrics = now + _options.MetricsIntervalMicros;
            WriteMetrics(now);
        }
    }

    /// <summary>A node never crashes on input: a handler that throws is logged and counted, and the loop goes on.</summary>
    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _handlerErrors);
            Log.Warn($"handler failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private void Handle(Datagram datagram)
    {
        if (!_limiter.TryAcquire(datagram.From, Now))
        {
            Interlocked.Increment(ref Counters.RateLimited);
            return;
        }

        ReadOnlySpan<byte> data = datagram.Data;
        if (!Frame.TryRead(data, out FrameKind kind, out string? error))
        {
            Dropped(datagram, error);
            return;
        }

        switch (kind)
        {
            case FrameKind.Node when _secure is not null:
                RefuseUnauthenticated(datagram);
                break;
            case FrameKind.Node:
                HandleNode(datagram);
                break;
            case FrameKind.Hello or FrameKind.HelloReply or FrameKind.Sealed:
                HandleSecure(datagram, kind);
                break;
            case FrameKind.Request when AcceptsPlainControl(datagram.From):
                Control.OnRequest(datagram.From, data[2..], signer: null);
                break;
            case FrameKind.Request:
                RefuseControl(datagram.From, "unsigned control request from elsewhere than loopback");
                break;
            case FrameKind.SignedRequest:
                HandleSignedRequest(datagram);
                break;
            default:
                Dropped(datagram, $"a host does not take {kind} frames");
                break;
        }
    }

    private void HandleNode(Datagram datagram, Security.Session? session = null)
    {
        ReadOnlySpan<byte> data = datagram.Data;
        NodeId destination = NodeId.FromBytes(data[2..18]);
        NodeId source = NodeId.FromBytes(data[18..34]);
        int index = 0;
        if (destination != NodeId.Zero && !_byId.TryGetValue(destination, out index))
        {
            Interlocked.Increment(ref Counters.UnknownDestination);
            return;
        }

        if (source == NodeId.Zero)
        {
            Dropped(datagram, "node frame names no source");
            return;
        }

        if (session is not null && !_secure!.Owns(session, source))
        {
            _secure.RefuseId(session, source);
            return;
        }

        if (!MessageCodec.TryDecode(data[Frame.NodeHeader..], Directory, out Message message, out string? error))
        {
            Dropped(datagram, error);
            return;
        }

        PeerHandle from = Directory.Add(source, datagram.From);
        Interlocked.Increment(ref _messagesIn);
        if (IsTreeData(message))
            Interlocked.Add(ref _treeBytesIn, data.Length);
        Guard(() => _nodes[index].Receive(from, message));
    }

    private void Dropped(Datagram datagram, string? reason)
    {
        Interlocked.Increment(ref Counters.DecodeFailures);
        if (Log.IsEnabled(LogLevel.Debug))
            Log.Debug($"dropped {datagram.Data.Length} bytes from {datagram.From}: {reason}");
    }

    // ---- What logical nodes call (through their context) --------------------------------------------------

    internal void Send(int from, PeerHandle peer, in Message message)
    {
        IPEndPoint endpoint = Directory.EndpointOf(peer);
        NodeId destination = Directory.IdOf(peer);
        if (endpoint.Equals(Endpoint))
        {
            // One of our own nodes: straight onto the loop's queue, no socket.
            int to = destination == NodeId.Zero ? 0 : _byId.GetValueOrDefault(destination, -1);
            if (to >= 0)
                _local.Enqueue((to, _contexts[from].Self, message));
            return;
        }

        Interlocked.Increment(ref _messagesOut);
        byte[] frame = Frame.Node(destination, _nodes[from].Overlay.Id, message, Directory);
        if (IsTreeData(message))
            Interlocked.Add(ref _treeBytesOut, frame.Length);
        if (_secure is not null)
            _secure.Send(endpoint, destination, frame, IsReliable(message));
        else
            _transport.Send(endpoint, frame, IsReliable(message));
    }

    /// <summary>
    /// Tree traffic goes reliably: a round waits for every child's aggregate (a decline is a small one), and a parent
    /// stops waiting for a child only when told it left, so one lost datagram would stall it. Overlay maintenance and
    /// lookups stay datagrams: they are retried or leased anyway.
    /// </summary>
    internal static bool IsReliable(in Message message)
        => message.Payload is not null || message.Kind is TreeKind.Join or TreeKind.JoinAck or TreeKind.Aggregate
            or TreeKind.Broadcast or TreeKind.Leave;

    /// <summary>
    /// The trees' own data: a model (or a chunk of it) going down, an update going up, relayed ones included. Not
    /// the acks, probes, keep-alives and joins around them: what a planner moves off a link is these bytes.
    /// </summary>
    internal static bool IsTreeData(in Message message)
        => message.Payload is not null && message.Kind is TreeKind.Broadcast or TreeKind.Aggregate;

    /// <summary>
    /// Estimated RTT (µs) for proximity neighbour selection: same host, same machine, or elsewhere. Real RTTs are
    /// not measured yet, so PNS here only prefers co-located nodes.
    /// </summary>
    internal long ProximityTo(PeerHandle peer)
    {
        IPEndPoint endpoint = Directory.EndpointOf(peer);
        if (endpoint.Equals(Endpoint))
            return 10;
        return endpoint.Address.Equals(Endpoint.Address) ? 100 : 10_000;
    }

    /// <summary>
    /// What the host's socket still has to send, as time at a nominal 100 Mbit/s (the real rate is not measured):
    /// a model's chunks wait while it is above a few tens of milliseconds, so LiteNetLib holds about a chunk per host
    /// instead of fanout copies of a whole model.
    /// </summary>
    internal long SendBacklogMicros => _transport.QueuedReliableBytes / NominalBytesPerMicro;

    private const long NominalBytesPerMicro = 100 / 8;

    internal void SendControl(IPEndPoint to, FrameKind kind, byte[] json, bool reliable = false) => _transport.Send(to, Frame.Control(kind, json), reliable);

    internal void Schedule(long delayMicros, Action task) => Timers.Add(Now + Math.Max(0, delayMicros), task);

    internal void OnJoined(NodeId id)
    {
        if (!_byId.TryGetValue(id, out int index) || _joined[index])
            return;
        ForestNode node = _nodes[index];
        _joined[index] = true;
        Log.Info($"node {index} ({node.Overlay.Id}) joined");
        node.Subscribe(AppId.AdvertiseDiscover); // every node hears of every app (and volunteers to serve it)
        RestoreState(node);
        // Join the host's nodes one after another, each through the first (already in the overlay).
        if (index + 1 < _nodes.Length)
            _nodes[index + 1].Join(_contexts[0].Self);
    }

    /// <summary>A restarted node takes back the app state it kept in --data-dir (ForestNode.RestoreReplica).</summary>
    private void RestoreState(ForestNode node)
    {
        if (node.ReplicaStore is not ReplicaFiles files)
            return;
        int restored = 0;
        foreach (Message replica in files.Load())
        {
            if (node.RestoreReplica(replica, out string? error))
                restored++;
            else
                Log.Warn($"{files.Directory}: app {replica.Key}'s kept state not restored: {error}");
        }

        if (restored > 0)
            Log.Info($"node {node.Overlay.Id} came back with the state of {restored} app(s) from {files.Directory}");
    }

    internal void OnJoinStalled(Totoro.Core.Overlay.PastryNode node, PeerHandle bootstrap, int attempts)
    {
        int index = _byId.GetValueOrDefault(node.Id, -1);
        Log.Warn($"node {index} ({node.Id}): join through {Directory.EndpointOf(bootstrap)} unanswered after {attempts} tries "
            + $"{node.Options.JoinRetryMicros / 1e6:F1} s apart; trying every {node.Options.JoinTimeoutMicros / 1e6:F0} s now");
    }

    /// <summary>
    /// A node declared a peer dead. At debug level: a false death (a live peer slow to answer on a loaded machine)
    /// shows here as a death followed by the same peer heard again, which is what a wrong lookup after joins needs.
    /// </summary>
    internal void OnPeerDead(Totoro.Core.Overlay.PastryNode node, PeerHandle peer)
    {
        if (Log.IsEnabled(LogLevel.Debug))
            Log.Debug($"node {_byId.GetValueOrDefault(node.Id, -1)} ({node.Id}): declared {Directory.EndpointOf(peer)} dead");
    }

    // ---- Leaving and metrics ------------------------------------------------------------------------------

    /// <summary>
    /// Graceful leave, the same as the simulator's: each node tells its trees' parents and children, then its leaf set,
    /// so they re-join and drop it at once instead of waiting out a lease.
    /// </summary>
    private void Leave()
    {
        Log.Info("leaving: telling the trees and the leaf sets");
        for (int i = 0; i < _nodes.Length; i++)
        {
            if (_joined[i])
                Guard(_nodes[i].Leave);
        }

        if (_metrics is not null)
            WriteMetrics(Now);
        Thread.Sleep(200); // let LiteNetLib put the notices on the wire
    }

    private void WriteMetrics(long now)
    {
        (double cpu, long rss, double memory) = _usage!.Sample(now);
        bool written = _metrics!.Write(new MetricsRow(
            Math.Round(now / 1e6, 3), _nodes.Length, JoinedCount, MessagesIn, MessagesOut, Interlocked.Read(ref _localMessages),
            Interlocked.Read(ref Counters.BytesIn), Interlocked.Read(ref Counters.BytesOut), Counters.Dropped, _transport.Connections,
            Math.Round(cpu, 3), rss, Math.Round(memory, 4), Apps.LoadedCount, TreeBytesIn, TreeBytesOut));
        if (!written && _metrics.RowsDropped == 1)
            Log.Warn($"{_metrics.Path}: a row could not be written ({_metrics.LastError}); rows are dropped and counted until the disk takes them, and the node runs on");
    }
}
