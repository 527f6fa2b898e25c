using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Tree repair, kept apart from building and rounds: a node that loses its parent marks its subtree detached (so
/// no node below it adopts a joiner that could be its ancestor) and re-joins; a replica holder that finds itself
/// closest to the app after the root's death takes over from its replica; graceful leave.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Times this node took over an app from its replica after the root failed or left.</summary>
    public int RootTakeovers { get; private set; }

    /// <summary>JOINs sent again at once because the overlay declared their first hop dead (no join timeout waited out).</summary>
    public int JoinsRerouted { get; private set; }

    /// <summary>JOINs sent again because their first hop did not ack them within the overlay's hop-ack timeout.</summary>
    public int JoinHopsSilent { get; private set; }

    /// <summary>Joiners this node pushed down to a child that did not ack them in time, and handled again.</summary>
    public int PushDownsSilent { get; private set; }

    /// <summary>Leaves gracefully: every tree's parent drops this node and its children re-join at once; then the overlay.</summary>
    public void Leave()
    {
        _departed = true;
        if (_trees is not null)
        {
            foreach (TreeState state in _trees.Values)
            {
                Message leave = TreeMessages.Leave(state.App.Id);
                if (!state.Parent.IsNone)
                    SendControl(state.Parent, leave);
                ReleaseRoundFrom(state); // ForestNode.Moves.cs
                foreach (PeerHandle child in state.Children)
                    SendControl(child, leave);
            }
        }

        Overlay.Leave();
    }

    /// <summary>The overlay declared a peer dead: a dead parent is replaced now, a dead child dropped, a dead root's app taken over.</summary>
    public void OnPeerDead(PastryNode node, PeerHandle peer)
    {
        _outer?.OnPeerDead(node, peer);
        WatchedDied(peer); // ForestNode.Watch.cs: its children hear of it from here
        DropReplicaDownloads(peer); // ForestNode.ReplicaChunks.cs: a dead root's half-sent replica
        DropUpFlow(peer); // ForestNode.UpWindow.cs: chunks waiting for a dead parent's acks
        if (_trees is null)
            return;
        foreach (TreeState state in _trees.Values)
        {
            if (state.Children.Remove(peer))
            {
                state.ChildHeights.Remove(peer);
                ReportHeight(state);
                StopWaitingFor(state, peer);
                // The overlay can be wrong (its probes queued behind a slow link): a child still alive re-joins at once
                // instead of keeping a parent that no longer counts it until its keep-alives lapse.
                SendControl(peer, TreeMessages.NotChild(state.App.Id));
            }
            else
            {
                StopWaitingFor(state, peer); // a former child whose answer was still to come (ForestNode.Moves.cs)
            }

            if (state.RoundFrom == peer)
                state.RoundFromGone = true;

            if (!state.IsRoot && state.Parent == peer)
                LoseParent(state, peer, silent: true);
            else if (state.Joining && state.JoinVia == peer)
                RejoinAround(state, peer);
            else if (!state.IsRoot && state.ReplicaFrom == peer && state.HasReplica)
            {
                state.ReplicaOrphaned = true;
                EnsureMaintenance(state); // a holder outside the tree may have no maintenance ticking yet
                HandOnOrphanedReplica(state);
            }
        }
    }

    /// <summary>
    /// This node holds the replica of a root that died. If it is now the live node closest to the app, it takes
    /// over; otherwise the closest node (a fresh one may have joined between the root and this holder) gets the
    /// replica, so it can resume instead of becoming a root with no model. Repeated on maintenance until a live
    /// root replicates again, whenever the closest node changes.
    /// </summary>
    private void HandOnOrphanedReplica(TreeState state)
    {
        if (!state.ReplicaOrphaned || state.IsRoot || IsPulling(state))
            return; // not orphaned, or still asking the leaf set for something newer (ForestNode.Succession.cs)
        PeerHandle closest = Overlay.NextHop(state.App.Id, PeerHandle.None, state.App.Scope);
        if (closest.IsNone)
        {
            state.ReplicaOrphaned = false;
            BecomeRoot(state);
            return;
        }

        if (closest == state.ReplicaPushedTo)
            return;
        state.ReplicaPushedTo = closest;
        SendReplica(state, closest, ReplicaMessage(state, state.ReplicaRound, state.ReplicaModel, state.ReplicaMembers) with { Kind = TreeKind.Succeed });
    }

    /// <summary>
    /// A root that holds nothing of the app (it never sent a round and took over no replica) and is no longer the
    /// live node closest to the app became root while routing was unsettled: it joins the real root's tree, its
    /// subtree with it, instead of splitting the tree for good.
    /// </summary>
    private void StepDownIfStale(TreeState state)
    {
        if (!state.IsRoot || state.HasBroadcast || state.HasReplica || _steppingDown)
            return;
        // The hop its JOIN would take, not merely a closer node: one under suspicion is no hop for a JOIN (SendJoin),
        // and stepping down towards it made the node root again at once, whose attach hook (a volunteer asking for a
        // shard) stepped down again, until the stack ran out (the soak of the fresh-clone CI of c9e24c2).
        if (Overlay.NextLiveHop(state.App.Id, PeerHandle.None, state.App.Scope).IsNone)
            return;
        state.Role = TreeRole.Outside; // a JOIN follows
        StaleRootsStepped++;
        _steppingDown = true; // the hooks SendJoin may call (a root again, attached) must not step down from within it
        try
        {
            SendJoin(state);
        }
        finally
        {
            _steppingDown = false;
        }

        if (state.App.Id == AppId.AdvertiseDiscover && state.Catalogue is { } catalogue)
        {
            // A split advertise–discover root (its subscribers joined while the overlay formed): the apps announced to
            // it go on to the true root, which passes them to every subscriber.
            foreach (byte[] advertisement in catalogue.Values)
                Overlay.Route(TreeMessages.Advertise(_context.Self, Payload.FromData(advertisement), _context.Now));
        }
    }

    private bool _steppingDown;

    /// <summary>Times this node stopped being a root that held nothing because a node closer to the app had appeared.</summary>
    public int StaleRootsStepped { get; private set; }

    /// <summary>Children this node dropped because rounds closed without their answer twice in a row.</summary>
    public int SilentChildrenDropped { get; private set; }

    /// <summary>
    /// A live child answers by its own cut-off, a level margin before this node's, so a child whose answer is missing
    /// when a round closes on its deadline is most likely dead, and nothing else tells a parent that (heartbeats go
    /// down). Two such rounds in a row and it is dropped, so later rounds stop waiting for it; told to leave, a
    /// live one re-joins at once.
    /// </summary>
    private void DropSilentChildren(TreeState state)
    {
        RoundAggregation aggregation = state.Aggregation!;
        for (int i = 0; i < aggregation.Expected.Length; i++)
        {
            PeerHandle child = aggregation.Expected[i];
            if (aggregation.HasArrived(i))
            {
                state.MissedRounds?.Remove(child);
                continue;
            }

            state.MissedRounds ??= [];
            int missed = state.MissedRounds.GetValueOrDefault(child) + 1;
            state.MissedRounds[child] = missed;
            if (missed < 2 || !state.Children.Remove(child))
                continue;
            state.MissedRounds.Remove(child);
            state.ChildHeights.Remove(child);
            SilentChildrenDropped++;
            SendControl(child, TreeMessages.Leave(state.App.Id));
            ReportHeight(state);
        }
    }

    /// <summary>Times this node, a root with the app's state, handed it to a closer live node and joined under it.</summary>
    public int RootsMoved { get; private set; }

    /// <summary>
    /// A root with the app's state that is no longer the live node closest to the app (a closer node joined, or two
    /// roots formed while routing was unsettled) hands its round and model to the closer node and joins under it,
    /// keeping them as a replica in case the new root dies. The closer node takes over from what it is handed.
    /// </summary>
    private void MoveRootIfNotClosest(TreeState state)
    {
        if (!state.IsRoot || !HoldsAppState(state) || state.App.Id == AppId.AdvertiseDiscover)
            return;
        PeerHandle closer = Overlay.NextHop(state.App.Id, PeerHandle.None, state.App.Scope);
        if (closer.IsNone || Overlay.Doubts(closer))
            return;
        // The root this node took over from is closer only while the overlay has not yet dropped it; long after, it
        // is closer because it came back (a restart with the same id), and it gets the app back.
        if (closer == state.SucceededFrom && _context.Now - state.SucceededAt < 3 * Overlay.Options.LeaseMicros)
            return;
        MoveRootTo(state, closer);
    }

    /// <summary>Hands the app's round and model to <paramref name="closer"/> and joins under it, keeping them as a replica.</summary>
    private void MoveRootTo(TreeState state, PeerHandle closer)
    {
        RootsMoved++;
        state.Role = TreeRole.Outside; // a JOIN follows
        if (state.HasBroadcast)
        {
            state.ReplicaRound = state.Round;
            state.ReplicaModel = state.LastModel;
            state.ReplicaSince = state.LastModelAt;
        }

        // else: a root that took over and has not broadcast since (its app had finished) hands on the replica it holds
        state.HasBroadcast = false;
        state.ReplicaMembers = [.. state.Children];
        state.ReplicaFrom = closer;
        state.ReplicaOrphaned = false;
        SendReplica(state, closer, ReplicaMessage(state, state.ReplicaRound, state.ReplicaModel, state.ReplicaMembers));
        SendJoin(state);
    }

    /// <summary>A root holds the app's state when it broadcast a round or took the app over from a replica.</summary>
    private static bool HoldsAppState(TreeState state) => state.HasBroadcast || state.HasReplica;

    /// <summary>
    /// A replica reached a root that is behind it: this node became the root when the old one died, before any
    /// replica of the app reached it. It takes over from the replica now.
    /// </summary>
    private bool TakeOverLate(TreeState state, PeerHandle from, int round, Payload? checkpoint, PeerHandle[]? members)
    {
        // Only the node closest to the app: of two roots, the other one moves (MoveRootIfNotClosest), so they never
        // trade the app back and forth. A root that holds nothing (it took its round number from joiners, not from a
        // broadcast or a replica) takes any replica; one that holds a replica takes only a newer one. One that is
        // running the app's rounds itself takes none: the replica is then a second root's run (a node that took this
        // one for dead, or the far side of a cut) and its round number says only that fewer workers made its rounds
        // quicker. The second root joins this tree instead, and this run goes on.
        bool holdsNothing = !state.HasBroadcast && !state.HasReplica;
        if (!state.IsRoot || state.HasBroadcast || (checkpoint is null && round == 0) || (!holdsNothing && round <= state.Round))
            return false;
        if (!Overlay.NextHop(state.App.Id, PeerHandle.None, state.App.Scope).IsNone)
            return false;
        state.ReplicaRound = round;
        state.ReplicaModel = checkpoint;
        state.ReplicaSince = _context.Now;
        state.ReplicaMembers = members;
        state.ReplicaFrom = from;
        TakeOver(state);
        return true;
    }

    private void OnTreeLeave(PeerHandle from, NodeId app, int answered, bool moved)
    {
        if (Tree(app) is not { } state)
            return;
        bool wasChild = state.Children.Remove(from);
        if (wasChild)
        {
            state.ChildHeights.Remove(from);
            ReportHeight(state);
        }

        // A child (or a former one still awaited) that moved after it took this round from here answers it here yet,
        // and so does one that moved before this round reached it (ForestNode.Moves.cs); any other is no longer waited for.
        if (state.Aggregation is not { InFlight: true } open || (open.Round > answered && !moved))
            StopWaitingFor(state, from);
        if (moved && wasChild && answered > 0 && answered <= state.Round)
            NoteMovedAway(state, from, answered); // ForestNode.Moves.cs; a round not yet here is a garbled or forged LEAVE (it would never be pruned)

        // A child that moved on ignores this; one whose LEAVE was stale (it crossed this node's new ack) still takes
        // this node for its parent and re-joins (ForestNode.NonChildren.cs).
        if (wasChild)
            SendControl(from, TreeMessages.NotChild(app));

        if (!state.IsRoot && state.Parent == from)
            LoseParent(state, from, silent: false);
    }

    /// <summary>A child that left or was declared dead mid-round will not answer: the round stops waiting for it.</summary>
    private void StopWaitingFor(TreeState state, PeerHandle child)
    {
        if (state.Aggregation is not { InFlight: true } aggregation)
            return;
        GiveUpChunks(state, aggregation, child); // ForestNode.Chunks.cs
        if (aggregation.TryArrive(child, self: false) && aggregation.IsComplete) // counted as answered with nothing; a late answer is still refused
            CompleteRound(state);
    }

    /// <summary>
    /// The parent is gone: detach the subtree and re-join around it (a silent or dead one is named in the JOIN). The
    /// JOIN goes first to the grandparent, which adopts it at once if attached, instead of along the overlay route to
    /// the app, whose forwarders may themselves be dead (a failure burst kills tree nodes, which sit on those routes).
    /// </summary>
    private void LoseParent(TreeState state, PeerHandle lost, bool silent)
    {
        state.Role = TreeRole.Outside; // a JOIN follows
        if (state.RoundFrom == lost && !state.RoundFromGone)
        {
            // The answer to the round it took from there goes to the next parent; a parent that is alive (it disowned
            // this node) may still wait for it there (a push-down mid-round, ForestNode.Moves.cs): told to stop.
            state.RoundFromGone = true;
            if (!silent && !(state.AnsweredTo == lost && state.AnsweredRound == state.RoundFromRound))
                SendControl(lost, TreeMessages.Leave(state.App.Id));
        }
        Rejoins++;
        SetLink(state, PeerHandle.None, detached: true);
        if (silent)
            NoteSilent(state, lost);
        PeerHandle grandparent = state.Grandparent;
        state.Grandparent = PeerHandle.None;
        if (!grandparent.IsNone && grandparent != lost && grandparent != _context.Self && !Overlay.Doubts(grandparent))
            SendJoin(state, next: grandparent); // one hop to a node that is (most likely) alive and attached; silent: routed as usual
        else
            SendJoin(state, avoid: lost);
    }

    /// <summary>
    /// A joiner (typically an orphan come to its grandparent) names children of this node it found silent: have the
    /// overlay probe them now, so that no joiner is pushed down into one meanwhile and a dead one frees its slot once
    /// the probe rules, instead of staying a child until something else happens to probe it.
    /// </summary>
    private void DoubtSilentChildren(TreeState state, PeerHandle[]? silent)
    {
        if (silent is null)
            return;
        foreach (PeerHandle hop in silent)
        {
            if (state.Children.Contains(hop))
                Overlay.ReportUnresponsive(hop);
        }
    }

    /// <summary>This node's parent as a one-peer list for its children (their grandparent); none at the root.</summary>
    private static PeerHandle[]? ParentList(TreeState state) => state.Parent.IsNone ? null : [state.Parent];

    /// <summary>
    /// Remembers a hop this node's re-join found silent or dead. Its JOINs carry the last few, because the nodes that
    /// forward them route towards the same app and often through the same dead node (the lost parent sat on the
    /// way); without the hint each of them sends into it and waits out a hop ack of its own.
    /// </summary>
    private static void NoteSilent(TreeState state, PeerHandle peer)
    {
        const int Kept = 4;
        if (peer.IsNone || Array.IndexOf(state.SilentHops, peer) >= 0)
            return;
        PeerHandle[] hops = state.SilentHops;
        state.SilentHops = hops.Length < Kept ? [.. hops, peer] : [.. hops[1..], peer];
    }

    /// <summary>
    /// A JOIN this node forwards named hops its joiner found silent: doubt them here too (the overlay probes them,
    /// so a live one is cleared when it answers) and pass them on in this node's own JOIN. True if there were any.
    /// </summary>
    private bool HeedSilentHops(TreeState state, PeerHandle[]? silent)
    {
        if (silent is not { Length: > 0 })
            return false;
        foreach (PeerHandle hop in silent)
        {
            if (hop != _context.Self)
            {
                Overlay.ReportUnresponsive(hop);
                NoteSilent(state, hop);
            }
        }

        return true;
    }

    /// <summary>
    /// The hop this node's JOIN went through died: the JOIN is lost with it, so send it again around the dead hop now
    /// instead of waiting out the join timeout.
    /// </summary>
    private void RejoinAround(TreeState state, PeerHandle dead)
    {
        JoinsRerouted++;
        NoteSilent(state, dead);
        SendJoin(state, avoid: dead);
    }

    /// <summary>
    /// The first hop of this node's JOIN (or of a joiner it pushed down) did not ack it: the JOIN is most likely lost
    /// with a dead hop the overlay had not yet noticed, so send it again around that hop now instead of waiting out
    /// the join timeout.
    /// </summary>
    public bool OnHopSilent(PastryNode node, PeerHandle hop, in Message message)
    {
        if (message.Kind != TreeKind.Join)
            return false; // an app's message: the overlay routes it around the hop
        var join = new JoinView(in message);
        if (join.Joiner != _context.Self && !join.PushedDown)
        {
            // A JOIN passed on through the overlay: route it again here (the silent hop is out of the table), so that
            // the forest on this node sees it with the new next hop, instead of the joiner waiting out its timeout.
            node.Route(message with { Hops = (ushort)Math.Max(0, message.Hops - 1) });
            return true;
        }

        if (Tree(join.App) is not { } state)
            return true;
        if (join.PushedDown)
        {
            // A joiner pushed down to a child that died unnoticed: nobody else will adopt it, and it would wait out
            // its join (or parent) timeout. Handle it here again; the silent child is now probed, so it is skipped.
            PushDownsSilent++;
            Overlay.Route(message);
            return true;
        }

        if (state.Joining && state.JoinVia == hop && state.JoinSentAt == join.SentAt)
        {
            JoinHopsSilent++;
            NoteSilent(state, hop);
            SendJoin(state, avoid: hop);
        }

        return true;
    }

    /// <summary>Down, the parent is alive (and says whether it is cut off); up, a child's subtree height changed.</summary>
    private void OnHeartbeat(PeerHandle from, HeartbeatView message)
    {
        if (Tree(message.App) is not { } state)
            return;
        if (state.Parent == from)
        {
            state.ParentHeard = _context.Now;
            state.Grandparent = message.Grandparent;
            SetDetached(state, message.Detached);
        }
        else if (state.Children.Contains(from))
        {
            state.ChildHeights[from] = message.Height;
            if (message.Grew)
                MarkGrown(state, from); // ForestNode.Moves.cs
            ReportHeight(state);
        }
        else
        {
            AnswerIfNotChild(state, from); // a height report from a peer that takes this node for its parent (ForestNode.NonChildren.cs)
        }
    }

    /// <summary>Changes whether this subtree is cut off from the root, and tells the children at once when it changes.</summary>
    private void SetDetached(TreeState state, bool detached) => SetLink(state, state.Parent, detached);

    /// <summary>
    /// Sets this node's parent and whether its subtree is cut off from the root. When either changes the children hear
    /// at once, one heartbeat each, which names the parent as it is now (their grandparent): a node that moved, re-joined
    /// or became a root would otherwise leave them a grandparent it no longer has until a keep-alive, and none comes
    /// while rounds go down. The heartbeat states the sender's parent; none means it has none (a root, a node re-joining),
    /// as a keep-alive's list does, so a child's view matches the digest its parent's keep-alives hash. A re-joining
    /// node's lost parent is most often dead, so no grandchild's repair should go there.
    /// </summary>
    private void SetLink(TreeState state, PeerHandle parent, bool detached)
    {
        bool moved = state.Parent != parent;
        state.Parent = parent;
        if (state.Detached != detached)
        {
            state.Detached = detached;
            state.DetachedSince = _context.Now;
        }
        else if (!moved)
        {
            return;
        }

        if (state.Children.Count == 0)
            return;
        Message beat = TreeMessages.Heartbeat(state.App.Id, state.Round, detached, ParentList(state));
        foreach (PeerHandle child in state.Children)
            SendControl(child, beat);
    }

    /// <summary>This node became the root of an app whose root held it a replica: resume from the replicated round and model.</summary>
    private void TakeOver(TreeState state)
    {
        RootTakeovers++;
        state.SucceededFrom = state.ReplicaFrom; // the root that failed: still in some tables, so not handed the app back soon
        state.SucceededAt = _context.Now;
        state.Round = Math.Max(state.Round, state.ReplicaRound);
        Replicate(state, state.ReplicaModel); // keep the model on the new root's own neighbours before anything else fails
        _app?.OnRootTakeover(this, state.App.Id, state.ReplicaRound, state.ReplicaModel);
    }

    /// <summary>
    /// Detached for much longer than any re-join takes while still having a parent: the subtree has most likely closed
    /// a loop on itself (a JOIN outran the detach notice), so this node leaves its parent and re-joins.
    /// </summary>
    private bool BreakStaleDetachment(TreeState state, long now)
    {
        if (!state.Detached || state.IsRoot || state.Parent.IsNone || now - state.DetachedSince <= 3 * state.App.Options.ParentTimeoutMicros)
            return false;
        PeerHandle parent = state.Parent;
        SendControl(parent, TreeMessages.Leave(state.App.Id));
        LoseParent(state, parent, silent: false);
        return true;
    }
}
