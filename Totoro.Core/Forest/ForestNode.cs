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
    public int Broadcast(NodeId app, Payload payload, Payload? checkpoint = null)
    {
        TreeState state = Tree(app) ?? throw new InvalidOperationException($"This node is not in the tree of app {app}.");
        if (!state.IsRoot)
            throw new InvalidOperationException($"Only the root of app {app} broadcasts.");
        int round = ++state.Round;
        state.HasBroadcast = true;
        state.LastModel = checkpoint ?? payload;
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
        => Overlay.Route(new Message
        {
            Kind = MessageKind.TreeAdvertise,
            Key = AppId.AdvertiseDiscover,
            Origin = _context.Self,
            Payload = Payload.FromData(advertisement.Encode()),
        });

    public bool IsRootOf(NodeId app) => Tree(app)?.IsRoot == true;

    /// <summary>Routes a message of the app layer towards <paramref name="key"/> (delivered to the closest node's <see cref="IForestApp.OnAppMessage"/>).</summary>
    public void RouteToKey(NodeId key, byte tag, Payload payload, long stamp)
        => Overlay.Route(new Message { Kind = MessageKind.Routed, Key = key, Row = tag, Origin = _context.Self, Stamp = stamp, Payload = payload });

    /// <summary>Sends a message of the app layer to one peer (an answer to a routed one).</summary>
    public void SendDirect(PeerHandle peer, byte tag, Payload payload, long stamp)
        => _context.Send(peer, new Message { Kind = MessageKind.Direct, Row = tag, Stamp = stamp, Payload = payload });

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

        info = new TreeInfo(s.IsRoot, s.IsSubscriber, s.Parent, [.. s.Children], s.Round, s.ReplicaRound, s.ReplicaModel);
        return true;
    }

    public IEnumerable<NodeId> Trees => _trees?.Keys ?? Enumerable.Empty<NodeId>();

    /// <summary>Advertisements this node has seen on the advertise–discover tree.</summary>
    public IReadOnlyCollection<byte[]> Catalogue => (IReadOnlyCollection<byte[]>?)Tree(AppId.AdvertiseDiscover)?.Catalogue?.Values ?? [];

    // ---- Messages and timers ------------------------------------------------------------------------------

    public void Receive(PeerHandle from, in Message message)
    {
        switch (message.Kind)
        {
            case MessageKind.TreeJoinAck:
                OnJoinAck(from, message);
                break;
            case MessageKind.TreeBroadcast:
                OnBroadcastMessage(from, message);
                break;
            case MessageKind.TreeAggregate:
                if (Tree(message.Key) is { } state && message.Payload is { } payload)
                {
                    _app?.OnAggregate(this, message.Key, message.Round, payload);
                    AddContribution(state, message.Round, payload, message.Stamp, from);
                }

                break;
            case MessageKind.TreeHeartbeat:
                if (Tree(message.Key) is { } beat)
                {
                    if (beat.Parent == from)
                    {
                        beat.ParentHeard = _context.Now; // down: the parent is alive
                        beat.Grandparent = message.Peers is [var grandparent] ? grandparent : PeerHandle.None;
                        SetDetached(beat, (message.Flags & MessageFlags.Detached) != 0); // ForestNode.Repair.cs
                    }
                    else if (beat.Children.Contains(from))
                    {
                        beat.ChildHeights[from] = message.Row; // up: a child's subtree height changed
                        ReportHeight(beat);
                    }
                }

                break;
            case MessageKind.TreeReplica:
                string? why = null;
                if (!ReplicaEnvelope.TryOpen(message.Payload, out Payload? checkpoint, out Payload? wire, out why)
                    || Learn(message.Key, wire, out why) is not { } replica)
                {
                    Refuse(why);
                    break;
                }

                if (TakeOverLate(replica, from, message with { Payload = checkpoint })) // ForestNode.Repair.cs
                    break;
                if (message.Round >= replica.ReplicaRound)
                {
                    replica.ReplicaRound = message.Round;
                    replica.ReplicaModel = checkpoint;
                    replica.ReplicaMembers = message.Peers;
                    replica.ReplicaFrom = from;
                    replica.ReplicaOrphaned = false;
                    replica.ReplicaPushedTo = PeerHandle.None;
                }

                break;
            case MessageKind.TreeLeave:
                OnTreeLeave(from, message.Key);
                break;
            case MessageKind.Direct:
                _app?.OnAppMessage(this, from, message);
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
            bool overdue = state.RoundCutoff > 0 && state.RoundCutoff <= _context.Now;
            bool empty = state.IsRoot && state.RoundCutoff == 0 && state.ExpectedTotal == 0;
            if (state.AggregationRound >= 0 && (overdue || empty))
                CompleteRound(state);
        }
    }

    // ---- Overlay upcalls ------------------------------------------------------------------------------------

    public void OnJoined(PastryNode node) => _outer?.OnJoined(node);

    public void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => _outer?.OnJoinStalled(node, bootstrap, attempts);

    public bool OnForward(PastryNode node, PeerHandle from, in Message message, PeerHandle nextHop)
    {
        if (message.Kind == MessageKind.TreeJoin)
        {
            return !OnJoin(from, message, nextHop); // a tree node answers the JOIN itself, or sends its own; a detached one passes it on
        }

        return message.Kind is MessageKind.TreeAdvertise or MessageKind.Routed || _outer is null || _outer.OnForward(node, from, message, nextHop);
    }

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        if (message.Kind == MessageKind.TreeAdvertise)
            OnAdvertiseAtRoot(message);
        else if (message.Kind == MessageKind.Routed)
            _app?.OnAppMessage(this, message.Origin, message);
        else
            _outer?.OnDeliver(node, from, message);
    }

    // ---- Building the tree -----------------------------------------------------------------------------

    /// <summary>Handles a JOIN passing through; false when this node must not adopt and the overlay should route it on.</summary>
    private bool OnJoin(PeerHandle from, in Message join, PeerHandle next)
    {
        // The joiner is the origin: the sender of its own JOIN, a pushed-down joiner, or one a detached node passed on.
        PeerHandle child = join.Origin.IsNone ? from : join.Origin;
        if (child == _context.Self || child.IsNone)
            return true;
        if (Learn(join.Key, join.Payload, out string? refused) is not { } state)
        {
            Refuse(refused);
            return true; // a JOIN for an app nobody can serve is dropped here, not routed on
        }

        if (child == state.Parent || (state.Detached && !state.IsRoot))
        {
            // Adopting here could close a loop (the joiner may be this node's ancestor): pass the JOIN on, unless
            // this is the live node closest to the app, which means the old root is gone.
            if (!next.IsNone)
            {
                HeedSilentHops(state, join.Peers); // the overlay sends it on: have the hops the joiner found silent probed here
                return false;
            }

            BecomeRoot(state);
        }

        bool wasInTree = state.InTree;
        DoubtSilentChildren(state, join.Peers); // ForestNode.Repair.cs
        LearnRound(state, join.Round);
        Adopt(state, child, height: join.Hops);
        if (wasInTree)
            return true;
        if (next.IsNone)
            BecomeRoot(state);
        else if (HeedSilentHops(state, join.Peers) && Overlay.Doubts(next))
            SendJoin(state, avoid: next); // the joiner found this hop silent: route around it (ForestNode.Repair.cs)
        else
            SendJoin(state, next);
        return true;
    }

    /// <summary>Routes this node's JOIN towards the app (around <paramref name="avoid"/>), or makes it the root.</summary>
    private void SendJoin(TreeState state, PeerHandle next = default, PeerHandle avoid = default)
    {
        RouteScope scope = state.App.Scope;
        if (next.IsNone)
            next = Overlay.NextLiveHop(state.App.Id, avoid, scope); // not into a hop the overlay already doubts
        if (next.IsNone && !avoid.IsNone && Overlay.NextHop(state.App.Id, PeerHandle.None, scope) == avoid)
            next = avoid; // only the suspect stands between this node and the root's place: ask it again until the overlay rules
        if (next.IsNone)
        {
            BecomeRoot(state);
            return;
        }

        state.Joining = true;
        state.JoinSentAt = _context.Now;
        state.JoinVia = next;
        state.ToldHeight = state.Height;
        ControlMessages++;
        Overlay.SendAcked(next, new Message // the first hop acks; a silent one is routed around after 1 s (OnHopSilent)
        {
            Kind = MessageKind.TreeJoin,
            Flags = scope == RouteScope.ZoneLocal ? MessageFlags.ZoneLocal : MessageFlags.None,
            Key = state.App.Id,
            Origin = _context.Self,
            Row = (byte)state.App.Options.Fanout,
            Hops = (ushort)state.ToldHeight,
            Stamp = _context.Now,
            Round = Math.Max(state.Round, state.JoinerRound), // how far the tree got: a root that took over without a replica learns it
            Peers = state.SilentHops.Length > 0 ? state.SilentHops : null, // so that forwarders avoid them too
            Payload = state.Wire, // the app's descriptor: forwarders learn the app from it
        });
        EnsureMaintenance(state);
    }

    /// <summary>
    /// Remembers the round a joiner has seen (a root adopts it at once): a root that took over without a replica
    /// would otherwise number its next round at or below what its subscribers have seen, and they would drop it as a
    /// repeat. Only a root may move its round this way; below it the round is how far broadcasts have come.
    /// </summary>
    private static void LearnRound(TreeState state, int round)
    {
        state.JoinerRound = Math.Max(state.JoinerRound, round);
        if (state.IsRoot)
            state.Round = Math.Max(state.Round, state.JoinerRound);
    }

    private void BecomeRoot(TreeState state)
    {
        bool wasRoot = state.IsRoot;
        PeerHandle oldParent = state.Parent;
        state.IsRoot = true;
        state.Joining = false;
        state.SilentHops = [];
        state.Round = Math.Max(state.Round, state.JoinerRound);
        state.Parent = PeerHandle.None;
        if (!oldParent.IsNone)
            SendControl(oldParent, new Message { Kind = MessageKind.TreeLeave, Key = state.App.Id });
        SetDetached(state, false);
        EnsureMaintenance(state);
        if (!wasRoot && state.HasReplica)
            TakeOver(state); // ForestNode.Repair.cs
        if (state.IsSubscriber && !wasRoot && oldParent.IsNone)
            _app?.OnAttached(this, state.App.Id);
    }

    /// <summary>
    /// Takes a child. At the fanout bound the tree stays shallow by moving the shallowest subtree down, never a
    /// deeper one: a joiner taller than the shallowest child takes its place and that child is passed down, else
    /// the joiner is passed down — in both cases to the shallowest remaining child.
    /// </summary>
    private void Adopt(TreeState state, PeerHandle child, int height)
    {
        if (state.Children.Contains(child) || state.Children.Count < state.App.Options.Fanout)
        {
            AcceptChild(state, child, height);
            return;
        }

        PeerHandle shallowest = Shallowest(state, PeerHandle.None);
        int shallowestHeight = state.ChildHeights.GetValueOrDefault(shallowest);
        if (height > shallowestHeight)
        {
            state.Children.Remove(shallowest);
            state.ChildHeights.Remove(shallowest);
            AcceptChild(state, child, height);
            PushDown(state, shallowest, shallowestHeight);
        }
        else
        {
            PushDown(state, child, height);
        }
    }

    private void AcceptChild(TreeState state, PeerHandle child, int height)
    {
        if (!state.Children.Contains(child))
            state.Children.Add(child);
        state.ChildHeights[child] = height;
        SendControl(child, new Message { Kind = MessageKind.TreeJoinAck, Key = state.App.Id, Round = state.Round, Row = (byte)state.App.Options.Fanout, Peers = ParentList(state) });
        SendCatalogue(state, child);
        EnsureMaintenance(state);
        ReportHeight(state);
    }

    /// <summary>Passes a joiner (with its subtree) to the shallowest child, which adopts it or passes it on.</summary>
    private void PushDown(TreeState state, PeerHandle joiner, int height)
    {
        PeerHandle via = Shallowest(state, joiner);
        state.ChildHeights[via] = Math.Max(state.ChildHeights.GetValueOrDefault(via), height + 1);
        ControlMessages++;
        Overlay.SendAcked(via, new Message // acked: a child that died unnoticed would swallow the joiner (OnHopSilent)
        {
            Kind = MessageKind.TreeJoin,
            Flags = MessageFlags.PushDown | (state.App.Scope == RouteScope.ZoneLocal ? MessageFlags.ZoneLocal : MessageFlags.None),
            Key = state.App.Id,
            Origin = joiner,
            Row = (byte)state.App.Options.Fanout,
            Hops = (ushort)height,
            Stamp = _context.Now,
            Payload = state.Wire,
        });
        ReportHeight(state);
    }

    /// <summary>The child with the shortest subtree; ties go round the children in turn.</summary>
    private PeerHandle Shallowest(TreeState state, PeerHandle avoid)
    {
        PeerHandle live = Shallowest(state, avoid, skipDoubted: true);
        return live.IsNone ? Shallowest(state, avoid, skipDoubted: false) : live;
    }

    /// <summary>The shallowest child, skipping those the overlay is probing or knows dead when asked to.</summary>
    private PeerHandle Shallowest(TreeState state, PeerHandle avoid, bool skipDoubted)
    {
        PeerHandle best = PeerHandle.None;
        int bestHeight = int.MaxValue;
        int count = state.Children.Count;
        for (int i = 0; i < count; i++)
        {
            PeerHandle c = state.Children[(state.PushDownCursor + i) % count];
            int h = state.ChildHeights.GetValueOrDefault(c);
            if (c != avoid && h < bestHeight && !(skipDoubted && Overlay.Doubts(c)))
            {
                best = c;
                bestHeight = h;
            }
        }

        state.PushDownCursor++;
        return best;
    }

    /// <summary>Tells the parent when this subtree's height changed, so that it pushes joiners where the tree is short.</summary>
    private void ReportHeight(TreeState state)
    {
        int height = state.Height;
        if (height == state.ToldHeight || state.Parent.IsNone)
            return;
        state.ToldHeight = height;
        SendControl(state.Parent, new Message { Kind = MessageKind.TreeHeartbeat, Key = state.App.Id, Row = (byte)Math.Min(height, byte.MaxValue) });
    }

    private void OnJoinAck(PeerHandle from, in Message ack)
    {
        if (Learn(ack.Key, null, out _) is not { } state || state.IsRoot)
            return; // an ack for an app this node does not know
        bool wasAttached = !state.Parent.IsNone;
        if (wasAttached && state.Parent != from)
            SendControl(state.Parent, new Message { Kind = MessageKind.TreeLeave, Key = state.App.Id });
        state.Parent = from;
        state.Grandparent = ack.Peers is [var grandparent] ? grandparent : PeerHandle.None;
        state.Joining = false;
        state.SilentHops = [];
        state.ParentHeard = _context.Now;
        SetDetached(state, false);
        state.Round = Math.Max(state.Round, ack.Round);
        ReportHeight(state);
        if (!wasAttached && state.IsSubscriber)
            _app?.OnAttached(this, state.App.Id);
    }

    // ---- Down: broadcast -----------------------------------------------------------------------------------

    private void OnBroadcastMessage(PeerHandle from, in Message message)
    {
        TreeState? known = message.Key == AppId.AdvertiseDiscover ? GetOrCreateAdvertiseDiscover() : Tree(message.Key);
        if (known is not { } state)
            return; // not in this tree: a stale or stray broadcast
        if (from == state.Parent)
        {
            state.ParentHeard = _context.Now;
            SetDetached(state, false); // a broadcast came down from the root: the path is whole
        }
        if (message.Payload is not { } payload)
            return;
        if (message.Key == AppId.AdvertiseDiscover)
        {
            OnAdvertisement(state, payload);
            return;
        }

        if (from != state.Parent)
        {
            // A former parent still counts this node as a child (it left without a word: it took that parent for dead,
            // or its leave was lost) and would wait for its aggregate forever. Tell it again; the round comes from the
            // real parent, so a child never answers a round its own parent has not started.
            SendControl(from, new Message { Kind = MessageKind.TreeLeave, Key = state.App.Id });
            return;
        }

        if (message.Round <= state.Round)
            return; // a round arrives once; a repeat (a retry, a second path) is dropped
        state.Round = message.Round;
        StartRound(state, message.Round, payload, depth: message.Hops, deadline: message.Stamp);
    }

    /// <summary>Forwards the round's payload to the chosen children and gets ready to merge their answers.</summary>
    /// <param name="depth">Hops from the root (carried down in the broadcast's Hops).</param>
    /// <param name="deadline">When the root closes the round, in the world's clock; 0 for none (carried in Stamp).</param>
    private void StartRound(TreeState state, int round, Payload compressed, int depth, long deadline)
    {
        var chosen = new PeerHandle[state.Children.Count];
        int n = state.App.Selector.Select(state.App.Id, round, compressed, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(state.Children), chosen, _context);
        var message = new Message { Kind = MessageKind.TreeBroadcast, Key = state.App.Id, Round = round, Payload = compressed, Hops = (ushort)(depth + 1), Stamp = deadline };
        for (int i = 0; i < n; i++)
            _context.Send(chosen[i], message);
        if (n > 0 && n == state.Children.Count)
            state.LastSentDown = _context.Now; // a broadcast to every child stands in for a heartbeat; a pruned one does not

        state.AggregationRound = round;
        state.Expected = n == chosen.Length ? chosen : chosen[..n];
        state.Arrived = new bool[n];
        state.SelfExpected = state.IsSubscriber;
        state.SelfArrived = false;
        state.Received = 0;
        state.Contributions = 0;
        state.Accumulated = null;
        state.DeclinedAttachments = null;
        state.Depth = depth;
        state.RoundCutoff = deadline > 0 ? deadline - (depth * state.App.Options.LevelMarginMicros) : 0;
        if (state.RoundCutoff > 0)
            _context.SetTimer(Math.Max(0, state.RoundCutoff - _context.Now), RoundTimer);
        if (state.ExpectedTotal == 0 && !state.IsRoot)
            CompleteRound(state); // nothing below: pass up at once
        else if (state.ExpectedTotal == 0 && state.RoundCutoff == 0)
            _context.SetTimer(0, RoundTimer); // a root with nobody to wait for closes after Broadcast has returned its round
        else if (state.IsSubscriber)
            _app?.OnBroadcast(this, state.App.Id, round, state.App.Compression.Decompress(compressed));
    }

    // ---- Up: aggregation ---------------------------------------------------------------------------------

    private void AddContribution(TreeState state, int round, Payload contribution, long contributions, PeerHandle from)
    {
        if (round != state.AggregationRound)
            return; // late, early or unknown round
        if (!contribution.IsFinite)
        {
            RejectedContributions++; // counted as arrived with nothing in it: the round neither waits for it nor merges it
            contribution = Payload.SizeOnly(0, 0).WithAttachment(contribution.Attachment);
            contributions = 0;
        }

        if (from == _context.Self)
        {
            if (!state.SelfExpected || state.SelfArrived)
                return;
            state.SelfArrived = true;
            state.App.Selector.Observe(state.App.Id, from, contribution, _context);
        }
        else
        {
            int at = Array.IndexOf(state.Expected, from);
            if (at < 0 || state.Arrived[at])
                return; // counted once, even when retried
            state.Arrived[at] = true;
            state.App.Selector.Observe(state.App.Id, from, contribution, _context);
        }

        if (contributions > 0)
            state.Accumulated = state.Accumulated is null ? contribution : ContributionMerge.Merge(state.App.Rule, state.Accumulated, contribution);
        else if (contribution.Attachment is { Length: > 0 } declined)
            state.DeclinedAttachments = state.DeclinedAttachments is null ? declined : [.. state.DeclinedAttachments, .. declined];
        state.Contributions += contributions;
        state.Received++;
        if (state.Received == state.ExpectedTotal)
            CompleteRound(state);
    }

    private void CompleteRound(TreeState state)
    {
        DropSilentChildren(state); // ForestNode.Repair.cs
        Payload merged = state.Accumulated ?? Payload.SizeOnly(0, 0);
        if (state.DeclinedAttachments is { } declined)
            merged = ContributionMerge.Merge(state.App.Rule, merged, Payload.SizeOnly(0, 0).WithAttachment(declined));
        state.DeclinedAttachments = null;
        int round = state.AggregationRound;
        long contributions = state.Contributions;
        state.AggregationRound = -1;
        state.Accumulated = null;
        if (state.IsRoot)
            _app?.OnAggregated(this, state.App.Id, round, merged, contributions);
        else if (!state.Parent.IsNone)
            _context.Send(state.Parent, new Message { Kind = MessageKind.TreeAggregate, Key = state.App.Id, Round = round, Payload = merged, Stamp = contributions });
    }

    // ---- Liveness and replicas -------------------------------------------------------------------------

    private void EnsureMaintenance(TreeState state)
    {
        if (_maintaining)
            return;
        _maintaining = true;
        long period = state.App.Options.HeartbeatPeriodMicros;
        _context.SetTimer(1 + (long)(_context.NextRandom() % (ulong)period), MaintenanceTimer);
    }

    private void Maintain()
    {
        long now = _context.Now;
        long period = long.MaxValue;
        foreach (TreeState state in _trees!.Values)
        {
            TreeOptions options = state.App.Options;
            period = Math.Min(period, options.HeartbeatPeriodMicros);
            if (state.Children.Count > 0 && now - state.LastSentDown >= options.HeartbeatPeriodMicros)
            {
                var beat = new Message { Kind = MessageKind.TreeHeartbeat, Flags = state.Detached ? MessageFlags.Detached : MessageFlags.None, Key = state.App.Id, Round = state.Round, Peers = ParentList(state) };
                foreach (PeerHandle child in state.Children)
                    SendControl(child, beat);
                state.LastSentDown = now;
            }

            if (BreakStaleDetachment(state, now))
            {
                // ForestNode.Repair.cs: re-joined to break a likely loop
            }
            else if (!state.IsRoot && !state.Parent.IsNone && now - state.ParentHeard > options.ParentTimeoutMicros)
            {
                // The parent went quiet: have the overlay check it, and find a new parent by routing around it.
                PeerHandle lost = state.Parent;
                Overlay.ReportUnresponsive(lost);
                LoseParent(state, lost, silent: true);
            }
            else if (state.Joining && now - state.JoinSentAt > options.JoinTimeoutMicros)
            {
                JoinTimeouts++;
                Overlay.ReportUnresponsive(state.JoinVia);
                NoteSilent(state, state.JoinVia);
                SendJoin(state, avoid: state.JoinVia);
            }

            HandOnOrphanedReplica(state); // ForestNode.Repair.cs
            StepDownIfStale(state);
            MoveRootIfNotClosest(state);

            if (state.IsRoot || state.IsSubscriber)
                _app?.OnTimer(this, state.App.Id);
        }

        _context.SetTimer(period, MaintenanceTimer);
    }

    /// <summary>The root keeps its state (round, global model, children) on its closest leaf-set neighbours.</summary>
    private void Replicate(TreeState state, Payload? model)
    {
        int k = state.App.Options.Replicas;
        if (k == 0)
            return;
        Message replica = ReplicaMessage(state, state.Round, model, [.. state.Children]);
        PeerHandle[] right = Overlay.RightLeaves();
        PeerHandle[] left = Overlay.LeftLeaves();
        int sent = 0;
        var chosen = new HashSet<PeerHandle>();

        // Closest first, alternating sides; nodes that die with this one (the same host) only when nobody else is left.
        foreach (bool sameFate in (bool[])[false, true])
        {
            for (int i = 0; sent < k && i < Math.Max(right.Length, left.Length); i++)
            {
                foreach (PeerHandle[] side in (PeerHandle[][])[right, left])
                {
                    if (sent < k && i < side.Length && _context.SharesFate(side[i]) == sameFate && chosen.Add(side[i]))
                    {
                        SendControl(side[i], replica);
                        sent++;
                    }
                }
            }
        }
    }

    // ---- Advertise–discover tree -----------------------------------------------------------------------

    private void OnAdvertiseAtRoot(in Message message)
    {
        if (message.Payload is not { Data: not null } payload)
            return;
        TreeState state = GetOrCreateAdvertiseDiscover();
        if (!state.InTree)
            BecomeRoot(state);
        OnAdvertisement(state, payload);
    }

    /// <summary>Keeps an advertisement seen for the first time, tells the subscriber, and passes it down.</summary>
    private void OnAdvertisement(TreeState state, Payload payload)
    {
        if (payload.Data is not { } data || !Advertisement.TryDecode(data, out Advertisement? advertisement, out _))
            return;
        state.Catalogue ??= [];
        if (state.Catalogue.TryGetValue(advertisement!.App, out byte[]? known) && known.AsSpan().SequenceEqual(data))
            return;
        state.Catalogue[advertisement.App] = data;
        var message = new Message { Kind = MessageKind.TreeBroadcast, Key = AppId.AdvertiseDiscover, Payload = payload };
        foreach (PeerHandle child in state.Children)
            _context.Send(child, message);
        if (state.IsSubscriber)
            _app?.OnDiscovered(this, advertisement);
    }

    /// <summary>A new child of the advertise–discover tree gets every advertisement this node knows.</summary>
    private void SendCatalogue(TreeState state, PeerHandle child)
    {
        if (state.Catalogue is null)
            return;
        foreach (byte[] data in state.Catalogue.Values)
            _context.Send(child, new Message { Kind = MessageKind.TreeBroadcast, Key = AppId.AdvertiseDiscover, Payload = Payload.FromData(data) });
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
        => new() { Kind = MessageKind.TreeReplica, Key = state.App.Id, Round = round, Payload = ReplicaEnvelope.Seal(checkpoint, state.Wire.Data!), Peers = members };

    private void SendControl(PeerHandle peer, in Message message)
    {
        ControlMessages++;
        _context.Send(peer, message);
    }
}
