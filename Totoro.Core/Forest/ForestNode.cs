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
    private readonly AppRegistry _registry;
    private readonly IForestApp? _app;
    private readonly IOverlayListener? _outer;
    private Dictionary<NodeId, TreeState>? _trees;
    private Dictionary<long, (NodeId App, int Round, Payload Contribution)>? _delayed;
    private long _nextDelayed;
    private bool _maintaining;

    public ForestNode(INodeContext context, NodeId id, PastryOptions pastry, AppRegistry registry, IForestApp? app, IOverlayListener? outer = null)
    {
        _context = context;
        _registry = registry;
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

    // ---- The API (paper Table 2) -------------------------------------------------------------------------

    /// <summary>Joins the overlay through a bootstrap node (none: found a new overlay).</summary>
    public void Join(PeerHandle bootstrap) => Overlay.Start(bootstrap);

    /// <summary>Makes an app known to this node with its options and hooks; returns its id.</summary>
    public NodeId CreateTree(AppDescriptor app)
    {
        _registry.Register(app);
        return app.Id;
    }

    /// <summary>Joins the app's tree as a subscriber (a worker): routes a JOIN towards the app id.</summary>
    public void Subscribe(NodeId app)
    {
        TreeState state = GetOrCreate(app, 0);
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
    public int Broadcast(NodeId app, Payload payload)
    {
        TreeState state = Tree(app) ?? throw new InvalidOperationException($"This node is not in the tree of app {app}.");
        if (!state.IsRoot)
            throw new InvalidOperationException($"Only the root of app {app} broadcasts.");
        int round = ++state.Round;
        state.HasBroadcast = true;
        state.LastModel = payload;
        long deadline = state.App.Options.RoundDeadlineMicros;
        StartRound(state, round, state.App.Compression.Compress(payload), depth: 0, deadline: deadline > 0 ? _context.Now + deadline : 0);
        Replicate(state, payload);
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
                TreeState replica = GetOrCreate(message.Key, 0);
                if (TakeOverLate(replica, from, message)) // ForestNode.Repair.cs
                    break;
                if (message.Round >= replica.ReplicaRound)
                {
                    replica.ReplicaRound = message.Round;
                    replica.ReplicaModel = message.Payload;
                    replica.ReplicaMembers = message.Peers;
                    replica.ReplicaFrom = from;
                    replica.ReplicaOrphaned = false;
                    replica.ReplicaPushedTo = PeerHandle.None;
                }

                break;
            case MessageKind.TreeLeave:
                OnTreeLeave(from, message.Key);
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
            if (state.AggregationRound >= 0 && state.RoundCutoff > 0 && state.RoundCutoff <= _context.Now)
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

        return message.Kind == MessageKind.TreeAdvertise || _outer is null || _outer.OnForward(node, from, message, nextHop);
    }

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        if (message.Kind == MessageKind.TreeAdvertise)
            OnAdvertiseAtRoot(message);
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
        RouteScope scope = (join.Flags & MessageFlags.ZoneLocal) != 0 ? RouteScope.ZoneLocal : RouteScope.Global;
        TreeState state = GetOrCreate(join.Key, join.Row, scope);
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
        TreeState state = GetOrCreate(ack.Key, ack.Row);
        if (state.IsRoot)
            return;
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
        TreeState state = GetOrCreate(message.Key, 0);
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
        if (state.ExpectedTotal == 0)
            CompleteRound(state);
        else if (state.IsSubscriber)
            _app?.OnBroadcast(this, state.App.Id, round, state.App.Compression.Decompress(compressed));
    }

    // ---- Up: aggregation ---------------------------------------------------------------------------------

    private void AddContribution(TreeState state, int round, Payload contribution, long contributions, PeerHandle from)
    {
        if (round != state.AggregationRound)
            return; // late, early or unknown round
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
        var replica = new Message { Kind = MessageKind.TreeReplica, Key = state.App.Id, Round = state.Round, Payload = model, Peers = [.. state.Children] };
        PeerHandle[] right = Overlay.RightLeaves();
        PeerHandle[] left = Overlay.LeftLeaves();
        for (int i = 0, sent = 0; sent < k && i < Math.Max(right.Length, left.Length); i++)
        {
            if (i < right.Length && sent < k)
            {
                SendControl(right[i], replica);
                sent++;
            }

            if (i < left.Length && sent < k && (i >= right.Length || left[i] != right[i]))
            {
                SendControl(left[i], replica);
                sent++;
            }
        }
    }

    // ---- Advertise–discover tree -----------------------------------------------------------------------

    private void OnAdvertiseAtRoot(in Message message)
    {
        if (message.Payload is not { Data: not null } payload)
            return;
        TreeState state = GetOrCreate(AppId.AdvertiseDiscover, 0);
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

    private TreeState GetOrCreate(NodeId app, int fanoutHint, RouteScope scopeHint = RouteScope.Global)
    {
        _trees ??= [];
        if (!_trees.TryGetValue(app, out TreeState? state))
        {
            state = new TreeState(_registry.Resolve(app, fanoutHint, scopeHint));
            _trees.Add(app, state);
        }

        return state;
    }

    private void SendControl(PeerHandle peer, in Message message)
    {
        ControlMessages++;
        _context.Send(peer, message);
    }
}
