using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>Membership: how a node joins an app's tree, adopts children within the fanout bound and pushes joiners down.</summary>
public sealed partial class ForestNode
{
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
            StopWaitingFor(state, shallowest); // mid-round, its answer now goes to its new parent
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
}
