using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>Membership: how a node joins an app's tree, adopts children within the fanout bound and pushes joiners down.</summary>
public sealed partial class ForestNode
{
    // ---- Building the tree -----------------------------------------------------------------------------

    /// <summary>Handles a JOIN passing through; false when this node must not adopt and the overlay should route it on.</summary>
    private bool OnJoin(PeerHandle from, JoinView join, PeerHandle next)
    {
        // The joiner is the origin: the sender of its own JOIN, a pushed-down joiner, or one a detached node passed on.
        PeerHandle child = join.Joiner.IsNone ? from : join.Joiner;
        if (child == _context.Self || child.IsNone)
            return true;
        if (Learn(join.App, join.Descriptor, out string? refused) is not { } state)
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
                HeedSilentHops(state, join.Avoid); // the overlay sends it on: have the hops the joiner found silent probed here
                return false;
            }

            BecomeRoot(state);
        }

        if (join.IsMove && RefusesMove(state, child, join.MoveSlackMicros))
            return true; // ForestNode.Planning.cs: it priced this node before another mover came

        bool wasInTree = state.InTree;
        DoubtSilentChildren(state, join.Avoid); // ForestNode.Repair.cs
        LearnRound(state, join.Round);
        Adopt(state, child, height: join.Height);
        if (wasInTree)
            return true;
        if (next.IsNone)
            BecomeRoot(state);
        else if (HeedSilentHops(state, join.Avoid) && Overlay.Doubts(next))
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

        state.Role = TreeRole.Joining;
        state.JoinSentAt = _context.Now;
        state.JoinVia = next;
        state.ToldHeight = state.Height;
        ControlMessages++;
        // The first hop acks; a silent one is routed around after 1 s (OnHopSilent). The round tells how far the tree
        // got (a root that took over without a replica learns it); the silent hops go along so that forwarders avoid
        // them too; the descriptor lets forwarders learn the app.
        Overlay.SendAcked(next, TreeMessages.Join(
            state.App.Id, _context.Self, state.App.Options.Fanout, state.ToldHeight, sentAt: _context.Now,
            round: Math.Max(state.Round, state.JoinerRound), avoid: state.SilentHops, state.Wire, pushedDown: false, scope));
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
        state.Role = TreeRole.Root;
        state.SilentHops = [];
        if (!wasRoot)
            state.PulledAt = -1; // ForestNode.Succession.cs: a root anew may have to ask for the app's state again
        state.Round = Math.Max(state.Round, state.JoinerRound);
        ReleaseRoundFrom(state); // ForestNode.Moves.cs: a root answers no round (the parent gets its LEAVE below)
        if (!oldParent.IsNone)
            SendControl(oldParent, TreeMessages.Leave(state.App.Id));
        SetLink(state, PeerHandle.None, detached: false); // ForestNode.Repair.cs: the children learn they have no grandparent now
        EnsureMaintenance(state);
        if (!wasRoot && state.HasReplica)
            TakeOver(state); // ForestNode.Repair.cs
        if (state.IsSubscriber && !wasRoot && oldParent.IsNone)
            _app?.OnAttached(this, state.App.Id);
    }

    /// <summary>Takes a child, or, at capacity, lets the app's tree policy say who stays and where the other goes down.</summary>
    private void Adopt(TreeState state, PeerHandle child, int height)
    {
        ITreePolicy policy = state.App.Policy;
        var shape = new TreeShape(state, this);
        if (state.Children.Contains(child) || state.Children.Count < policy.Capacity(shape))
        {
            AcceptChild(state, child, height);
            return;
        }

        PeerHandle displaced = policy.Displace(shape, child, height);
        if (!displaced.IsNone && state.Children.Contains(displaced))
        {
            int displacedHeight = state.ChildHeights.GetValueOrDefault(displaced);
            state.Children.Remove(displaced);
            state.ChildHeights.Remove(displaced);
            // Mid-round it is still waited for: it answers the round where it took it, here (ForestNode.Moves.cs), and its
            // new parent's ack makes it send a LEAVE flagged a move; if it never gets there, it tells this node when it
            // gives it up (LoseParent). Not waiting for it dropped its update (docs/planning.md I.8).
            AcceptChild(state, child, height);
            PushDown(state, displaced, displacedHeight);
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
        SendControl(child, TreeMessages.JoinAck(state.App.Id, state.Round, state.App.Options.Fanout, ParentList(state)));
        SendCatalogue(state, child);
        EnsureMaintenance(state);
        MarkGrown(state, child); // ForestNode.Moves.cs
        ReportHeight(state);
    }

    /// <summary>Passes a joiner (with its subtree) down to the child the app's tree policy picks, which adopts it or passes it on.</summary>
    private void PushDown(TreeState state, PeerHandle joiner, int height)
    {
        PeerHandle via = state.App.Policy.PushDownTo(new TreeShape(state, this), joiner, height);
        state.ChildHeights[via] = Math.Max(state.ChildHeights.GetValueOrDefault(via), height + 1);
        ControlMessages++;
        // Acked: a child that died unnoticed would swallow the joiner (OnHopSilent).
        Overlay.SendAcked(via, TreeMessages.Join(
            state.App.Id, joiner, state.App.Options.Fanout, height, sentAt: _context.Now, round: 0, avoid: null, state.Wire, pushedDown: true, state.App.Scope));
        ReportHeight(state);
    }

    /// <summary>Tells the parent when this subtree's height changed, so that it pushes joiners where the tree is short.</summary>
    private void ReportHeight(TreeState state)
    {
        int height = state.Height;
        if (height == state.ToldHeight || state.Parent.IsNone)
            return;
        state.ToldHeight = height;
        SendControl(state.Parent, TreeMessages.HeightReport(state.App.Id, height));
    }

    private void OnJoinAck(PeerHandle from, JoinAckView ack)
    {
        if (Learn(ack.App, null, out _) is not { } state || state.IsRoot)
            return; // an ack for an app this node does not know
        bool wasAttached = !state.Parent.IsNone;
        if (wasAttached && state.Parent != from)
        {
            _router?.MoveTaken(state.App.Id, from); // ForestNode.Planning.cs: a planner's move counts once it is taken
            // Its last round's answer still goes there, and so does the answer to a round already on its way here (ForestNode.Moves.cs).
            SendControl(state.Parent, TreeMessages.Leave(state.App.Id, AnsweredThrough(state, state.Parent), moved: true));
            state.FormerParent = state.Parent;
        }

        state.Role = TreeRole.Attached;
        state.Grandparent = ack.Grandparent;
        state.SilentHops = [];
        state.ParentHeard = _context.Now;
        state.ParentLease = 1; // until a keep-alive says the parent's watchers know of this child
        SetLink(state, from, detached: false); // ForestNode.Repair.cs: a new parent is the children's new grandparent
        state.Round = Math.Max(state.Round, ack.Round);
        ReportHeight(state);
        if (!wasAttached && state.IsSubscriber)
            _app?.OnAttached(this, state.App.Id);
    }
}
