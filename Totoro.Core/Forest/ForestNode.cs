using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A node of the publish/subscribe forest: one Scribe-style tree per app over the Pastry overlay. It offers the
/// paper's API (Join, CreateTree, Subscribe, Broadcast, Aggregate, Advertise) and calls the app back (OnBroadcast,
/// OnAggregate, OnAggregated, OnTimer). Broadcasts flow down; contributions flow up and are merged at every interior
/// node, so each node sends its parent one payload per round and only the root sees the final result.
/// </summary>
public sealed partial class ForestNode : INodeProgram, IOverlayListener
{
    private const int MaintenanceTimer = 100; // the overlay's timers are 1..99
    private const int RoundTimer = 101;
    private const int ContributionTimer = 102;

    private readonly INodeContext _context;
    private readonly ITreeHooks _hooks;
    private readonly IForestApp? _app;
    private readonly IOverlayListener? _outer;
    private Dictionary<NodeId, TreeState>? _trees;
    private Dictionary<NodeId, AppDescriptor>? _known; // apps created here or heard of, not (yet) in a tree here
    private Dictionary<long, (NodeId App, int Round, Payload Contribution)>? _delayed;
    private long _nextDelayed;
    private bool _maintaining;

    /// <param name="hooks">Binds the hook names of the descriptors this node learns from messages (null: the forest's own).</param>
    public ForestNode(INodeContext context, NodeId id, PastryOptions pastry, ITreeHooks? hooks, IForestApp? app, IOverlayListener? outer = null)
    {
        _context = context;
        _hooks = hooks ?? TreeHooks.Default;
        _app = app;
        _outer = outer;
        Overlay = new PastryNode(context, id, pastry, this);
    }

    public PastryNode Overlay { get; }

    /// <summary>Control messages this node sent for its trees (joins, acks, heartbeats, replicas).</summary>
    public long ControlMessages { get; private set; }

    /// <summary>Times this node lost its parent (silent, declared dead or leaving) and re-joined a tree.</summary>
    public int Rejoins { get; private set; }

    /// <summary>JOINs this node gave up on after the join timeout and sent again around their first hop.</summary>
    public int JoinTimeouts { get; private set; }

    /// <summary>Contributions refused because their vector or weight was not finite (never merged).</summary>
    public long RejectedContributions { get; private set; }

    /// <summary>Tree messages dropped because the app they named was unknown here or its descriptor was malformed.</summary>
    public long RefusedMessages { get; private set; }

    /// <summary>The last reason a tree message was refused (for logs).</summary>
    public string? LastRefusal { get; private set; }

    // ---- The API (paper Table 2) -------------------------------------------------------------------------

    /// <summary>Joins the overlay through a bootstrap node (none: found a new overlay).</summary>
    public void Join(PeerHandle bootstrap) => Overlay.Start(bootstrap);

    /// <summary>Makes an app known to this node with its options and hooks; returns its id.</summary>
    public NodeId CreateTree(AppDescriptor app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (Tree(app.Id) is null)
        {
            _known ??= [];
            _known[app.Id] = app;
        }

        return app.Id;
    }

    /// <summary>
    /// Learns an app from its descriptor's bytes, as a discovery (the advertise–discover tree, a submit) tells a node:
    /// the hooks are bound by this node. False with a reason when the bytes are not a descriptor this node can serve.
    /// </summary>
    public bool Discover(ReadOnlySpan<byte> descriptor, out string? error)
    {
        if (!AppDescriptor.TryDecode(descriptor, _hooks, out AppDescriptor? app, out error))
            return false;
        CreateTree(app!);
        return true;
    }

    /// <summary>The app as this node knows it (from its creator, a discovery, a JOIN or a replica), or null.</summary>
    public AppDescriptor? Descriptor(NodeId app)
        => Tree(app)?.App ?? (_known is not null && _known.TryGetValue(app, out AppDescriptor? known) ? known : null);

    /// <summary>Learns the app from its descriptor (as a discovery would tell it) and subscribes to its tree.</summary>
    public void Subscribe(AppDescriptor app)
    {
        CreateTree(app);
        Subscribe(app.Id);
    }

    /// <summary>
    /// Joins the app's tree as a subscriber (a worker): routes a JOIN towards the app id. An app this node knows
    /// only by its id is served with the forest's default hooks and this overlay's fanout (plain Scribe).
    /// </summary>
    public void Subscribe(NodeId app)
    {
        TreeState state = Tree(app) ?? Create(Descriptor(app) ?? AppDescriptor.Default(app, app.ToString(), Overlay.Options.Columns), null);
        if (state.App.Scope == RouteScope.ZoneLocal && Overlay.Zones is { } zones && zones.Map.ZoneOf(app) != Overlay.Zone)
            throw new InvalidOperationException($"App {state.App.Name} is confined to zone {zones.Map.ZoneOf(app)}; this node is in zone {Overlay.Zone}.");
        state.IsSubscriber = true;
        if (state.IsRoot || !state.Parent.IsNone)
        {
            _app?.OnAttached(this, app);
            return;
        }

        if (!state.Joining)
            SendJoin(state);
    }

    /// <summary>At the root: sends the round's payload down the tree (compressed by the app's hook). Returns the round.</summary>
    /// <param name="checkpoint">What the root's replicas keep for a take-over (null: the payload itself).</param>
    /// <param name="final">The app's last round of training: the nodes it passes stop counting the app's load a round later.</param>
    public int Broadcast(NodeId app, Payload payload, Payload? checkpoint = null, bool final = false)
    {
        TreeState state = Tree(app) ?? throw new InvalidOperationException($"This node is not in the tree of app {app}.");
        if (!state.IsRoot)
            throw new InvalidOperationException($"Only the root of app {app} broadcasts.");
        int round = ++state.Round;
        state.HasBroadcast = true;
        if (final)
            NoteFinalRound(state, round); // ForestNode.Planning.cs
        state.LastModel = checkpoint ?? payload;
        state.LastModelAt = _context.Now;
        long deadline = state.App.Options.RoundDeadlineMicros;
        StartRound(state, round, state.App.Compression.Compress(payload), depth: 0, deadline: deadline > 0 ? _context.Now + deadline : 0);
        Replicate(state, state.LastModel);
        return round;
    }

    /// <summary>At a subscriber: contributes its update for the round; it is merged on the way up.</summary>
    public void Aggregate(NodeId app, int round, Payload contribution)
    {
        if (Tree(app) is { } state)
            AddContribution(state, round, contribution, 1, _context.Self);
    }

    /// <summary>
    /// Contributes after <paramref name="delayMicros"/>: the time the device spends training, in a world where
    /// training itself takes no time (the simulator). If the round has closed by then, the update is left out.
    /// </summary>
    public void Aggregate(NodeId app, int round, Payload contribution, long delayMicros)
    {
        if (delayMicros <= 0)
        {
            Aggregate(app, round, contribution);
            return;
        }

        _delayed ??= [];
        long key = _nextDelayed++;
        _delayed[key] = (app, round, contribution);
        _context.SetTimer(delayMicros, ContributionTimer, key);
    }

    /// <summary>
    /// At a subscriber: sits this round out (not selected); the tree stops waiting for it. An attachment (who
    /// declined) still travels up, so selectors above learn where the subscribers live.
    /// </summary>
    public void Decline(NodeId app, int round, byte[]? attachment = null)
    {
        if (Tree(app) is { } state)
            AddContribution(state, round, Payload.SizeOnly(0, 0).WithAttachment(attachment), 0, _context.Self);
    }

    /// <summary>Announces an app on the advertise–discover tree.</summary>
    public void Advertise(Advertisement advertisement)
        => Overlay.Route(TreeMessages.Advertise(_context.Self, Payload.FromData(advertisement.Encode()), _context.Now));

    public bool IsRootOf(NodeId app) => Tree(app)?.IsRoot == true;

    /// <summary>
    /// This node hangs in the app's tree where its rounds can reach it: attached under a parent and not cut off, or the
    /// root while its overlay knows no node closer to the app. A root that formed while routing was unsettled, and a
    /// node still joining, are not: rounds of the true root do not pass them yet.
    /// </summary>
    public bool IsReachedByRounds(NodeId app)
        => Tree(app) is { } state && (state.IsRoot ? Overlay.NextHop(app, PeerHandle.None, state.App.Scope).IsNone : state.Role == TreeRole.Attached && !state.Detached);

    /// <summary>
    /// A root that holds nothing of the app and whose overlay now knows a node closer to it joins that node's tree now,
    /// not at its next tree timer (up to a heartbeat period later: 10 s by default), its subtree with it.
    /// </summary>
    public void StepDownIfStale(NodeId app)
    {
        if (Tree(app) is { } state)
            StepDownIfStale(state); // ForestNode.Repair.cs
    }

    /// <summary>Routes a message of the app layer towards <paramref name="key"/> (delivered to the closest node's <see cref="IForestApp.OnAppMessage"/>).</summary>
    public void RouteToKey(NodeId key, byte tag, Payload payload, long stamp)
        => Overlay.Route(TreeMessages.AppRouted(key, tag, _context.Self, stamp, payload));

    /// <summary>
    /// Sends a message of the app layer to one peer (an answer to a routed one); above one chunk (an app's model) in
    /// chunks, behind the rounds (ForestNode.DirectChunks.cs).
    /// </summary>
    public void SendDirect(PeerHandle peer, byte tag, Payload payload, long stamp)
    {
        if (ModelChunks.IsChunked(payload))
            SendDirectInChunks(peer, tag, payload, stamp);
        else
            _context.Send(peer, TreeMessages.AppDirect(tag, stamp, payload));
    }

    /// <summary>The id of a peer this node holds a handle to.</summary>
    public NodeId IdOf(PeerHandle peer) => _context.IdOf(peer);

    /// <summary>This node's clock (µs).</summary>
    public long Now => _context.Now;

    public bool TryGetTree(NodeId app, out TreeInfo info)
    {
        if (Tree(app) is not { } s)
        {
            info = default;
            return false;
        }

        info = new TreeInfo(s.IsRoot, s.IsSubscriber, s.Parent, [.. s.Children], s.Round, s.ReplicaRound, s.ReplicaModel) { Role = s.Role, Detached = s.Detached, Grandparent = s.Grandparent, ParentLease = s.ParentLease, ReplicaSince = s.ReplicaSince };
        return true;
    }

    public IEnumerable<NodeId> Trees => _trees?.Keys ?? Enumerable.Empty<NodeId>();

    /// <summary>Advertisements this node has seen on the advertise–discover tree.</summary>
    public IReadOnlyCollection<byte[]> Catalogue => (IReadOnlyCollection<byte[]>?)Tree(AppId.AdvertiseDiscover)?.Catalogue?.Values ?? [];

    // ---- Messages and timers ------------------------------------------------------------------------------

    public void Receive(PeerHandle from, in Message message)
    {
        if (_watching is { Count: > 0 })
            HeardFromWatched(from); // ForestNode.Watch.cs: any message proves a watched node alive, the overlay's too
        if ((message.Flags & TreeFlags.Planned) != 0 && message.Kind is TreeKind.Broadcast or TreeKind.Aggregate && !OnPlannedArrival(ref from, message))
            return; // relayed on (ForestNode.Planning.cs)
        switch (message.Kind)
        {
            case TreeKind.JoinAck:
                OnJoinAck(from, new JoinAckView(in message));
                break;
            case TreeKind.Broadcast when (message.Flags & TreeFlags.Chunk) != 0 && message.Payload is { } chunk:
                OnBroadcastChunk(from, new BroadcastView(in message), chunk); // ForestNode.Chunks.cs
                break;
            case TreeKind.Aggregate when (message.Flags & TreeFlags.ChunkAck) != 0:
                OnUpChunkAck(from); // ForestNode.UpWindow.cs
                break;
            case TreeKind.Aggregate when (message.Flags & TreeFlags.Chunk) != 0 && message.Payload is { } chunk:
                OnAggregateChunk(from, new AggregateView(in message), chunk);
                break;
            case TreeKind.Broadcast:
                OnBroadcastMessage(from, new BroadcastView(in message));
                break;
            case TreeKind.Aggregate:
                OnAggregateMessage(from, new AggregateView(in message));
                break;
            case TreeKind.Heartbeat when (message.Flags & TreeFlags.KeepAlive) != 0:
                OnKeepAlive(from, new KeepAliveView(in message)); // ForestNode.KeepAlive.cs
                break;
            case TreeKind.Heartbeat:
                OnHeartbeat(from, new HeartbeatView(in message));
                break;
            case TreeKind.Replica or TreeKind.Succeed when (message.Flags & TreeFlags.Chunk) != 0 && message.Payload is { } chunk:
                OnReplicaChunk(from, in message, chunk); // ForestNode.ReplicaChunks.cs
                break;
            case TreeKind.Replica:
                OnReplica(from, new ReplicaView(in message)); // ForestNode.Replication.cs
                break;
            case TreeKind.Leave when (message.Flags & TreeFlags.NotChild) != 0:
                OnNotChild(from, message.Key); // ForestNode.NonChildren.cs
                break;
            case TreeKind.Leave:
                OnTreeLeave(from, message.Key, message.Round, moved: (message.Flags & TreeFlags.Move) != 0);
                break;
            case TreeKind.Succeed:
                OnSucceed(from, new ReplicaView(in message)); // ForestNode.Succession.cs
                break;
            case TreeKind.ReplicaPull:
                OnReplicaPull(from, message.Key); // ForestNode.Succession.cs
                break;
            case TreeKind.AppDirect when (message.Flags & TreeFlags.Chunk) != 0 && message.Payload is { } chunk:
                OnDirectChunk(from, in message, chunk); // ForestNode.DirectChunks.cs
                break;
            case TreeKind.AppDirect:
                _app?.OnAppMessage(this, from, new AppMessageView(in message));
                break;
            case TreeKind.Plan:
                OnTreePlan(from, new PlanView(in message)); // ForestNode.Planning.cs
                break;
            case var kind when MessageKinds.IsDirectLayer(kind):
                Refuse($"a message of kind {(byte)kind} that the forest does not speak");
                break;
            default:
                Overlay.Receive(from, message);
                break;
        }
    }

    public void OnTimer(int timer, long argument)
    {
        if (timer == MaintenanceTimer)
            Maintain();
        else if (timer == RoundTimer)
            CloseOverdueRounds();
        else if (timer == ContributionTimer)
            ContributeDelayed(argument);
        else if (timer == ChunkPumpTimer)
            OnChunkPumpTimer(); // ForestNode.Chunks.cs
        else if (timer == LoadNoticeTimer)
            OnLoadNoticeTimer(); // ForestNode.Planning.cs
        else
            Overlay.OnTimer(timer, argument);
    }

    private void ContributeDelayed(long key)
    {
        if (_delayed is not null && _delayed.Remove(key, out var pending))
            Aggregate(pending.App, pending.Round, pending.Contribution);
    }

    /// <summary>The round's cut-off came: forward what has arrived; whatever comes later is left out.</summary>
    private void CloseOverdueRounds()
    {
        foreach (TreeState state in _trees!.Values)
        {
            if (state.Aggregation is not { InFlight: true } aggregation)
                continue;
            bool overdue = aggregation.Cutoff > 0 && aggregation.Cutoff <= _context.Now;
            bool empty = state.IsRoot && aggregation.Cutoff == 0 && aggregation.ExpectedTotal == 0;
            if (overdue || empty)
                CompleteRound(state);
        }
    }

    // ---- Overlay upcalls ------------------------------------------------------------------------------------

    public void OnJoined(PastryNode node) => _outer?.OnJoined(node);

    public void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => _outer?.OnJoinStalled(node, bootstrap, attempts);

    public bool OnForward(PastryNode node, PeerHandle from, in Message message, PeerHandle nextHop)
    {
        if (message.Kind == TreeKind.Join)
        {
            return !OnJoin(from, new JoinView(in message), nextHop); // a tree node answers the JOIN itself, or sends its own; a detached one passes it on
        }

        return message.Kind is TreeKind.Advertise or TreeKind.AppRouted || _outer is null || _outer.OnForward(node, from, message, nextHop);
    }

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        if (message.Kind == TreeKind.Advertise)
            OnAdvertiseAtRoot(message);
        else if (message.Kind == TreeKind.AppRouted)
            _app?.OnAppMessage(this, message.Origin, new AppMessageView(in message));
        else
            _outer?.OnDeliver(node, from, message);
    }

    // ---- State ------------------------------------------------------------------------------------------------

    private TreeState? Tree(NodeId app) => _trees is not null && _trees.TryGetValue(app, out TreeState? state) ? state : null;

    private TreeState GetOrCreateAdvertiseDiscover() => Tree(AppId.AdvertiseDiscover) ?? Create(AppDescriptor.AdvertiseDiscover, null);

    /// <summary>
    /// This node's state of an app's tree, made from what it knows of the app or from the descriptor a message
    /// carried (<paramref name="wire"/>); null with a reason when neither serves.
    /// </summary>
    private TreeState? Learn(NodeId app, Payload? wire, out string? error)
    {
        error = null;
        if (Tree(app) is { } state)
            return state;
        if (_known is not null && _known.TryGetValue(app, out AppDescriptor? known))
            return Create(known, null);
        if (wire?.Data is not { } bytes)
        {
            error = $"a message for app {app} carried no descriptor";
            return null;
        }

        if (!AppDescriptor.TryDecode(bytes, _hooks, out AppDescriptor? descriptor, out error))
            return null;
        if (descriptor!.Id != app)
        {
            error = $"a message for app {app} carried the descriptor of app {descriptor.Id}";
            return null;
        }

        return Create(descriptor, wire);
    }

    private TreeState Create(AppDescriptor app, Payload? wire)
    {
        _trees ??= [];
        _known?.Remove(app.Id);
        var state = new TreeState(app) { Wire = wire ?? Payload.FromData(app.Encode()) };
        _trees.Add(app.Id, state);
        return state;
    }

    private void Refuse(string? reason)
    {
        RefusedMessages++;
        LastRefusal = reason;
    }

    /// <summary>The root's state for a replica holder: the checkpoint, with the app's descriptor so that any node can take over.</summary>
    private static Message ReplicaMessage(TreeState state, int round, Payload? checkpoint, PeerHandle[]? members)
        => TreeMessages.Replica(state.App.Id, round, ReplicaEnvelope.Seal(checkpoint, state.Wire.Data!), members);

    private void SendControl(PeerHandle peer, in Message message)
    {
        ControlMessages++;
        _context.Send(peer, message);
    }
}
