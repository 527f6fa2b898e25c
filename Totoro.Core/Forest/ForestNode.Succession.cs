using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A root that holds nothing: the node closest to an app can become its root with no state at all — it restarted
/// with the same id after another node took the app over, or a partition healed and it is closer than the root of
/// the other side. Starting the app afresh there would lose the model that lives on elsewhere, so such a root first
/// asks its leaf set (where the old root and the replica holders are: they are all close to the app id) for the
/// app's state. A holder answers with its replica; a root with state that is farther from the app hands the app
/// over at once — the ask itself proves the closer node alive, which a root that took over from it could not know.
/// The app layer waits <see cref="PullGraceMicros"/> before starting anything afresh (see <see cref="IsPullingState"/>).
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Where this node keeps the newest replica of each app it serves, to come back with after a restart (null: nowhere).</summary>
    public IReplicaStore? ReplicaStore { get; set; }

    /// <summary>Replicas this node came back with (<see cref="RestoreReplica"/>) that it could use.</summary>
    public int ReplicasRestored { get; private set; }

    /// <summary>
    /// After a restart, once joined: an app's state this node kept (as root or holder) comes back as an orphaned
    /// replica. It first asks its leaf set for anything newer (the app may have gone on without it); after the grace, the
    /// newest state it has goes to the node closest to the app — itself, if it is — which resumes from it. If every host
    /// stopped, the roots come back with their own last checkpoints.
    /// </summary>
    public bool RestoreReplica(in Message replica, out string? error)
    {
        error = null;
        if (replica.Kind != TreeKind.Replica)
        {
            error = $"a {TreeKind.Name(replica.Kind)} is not a replica";
            return false;
        }

        var view = new ReplicaView(in replica);
        if (!ReplicaEnvelope.TryOpen(view.Sealed, out Payload? checkpoint, out Payload? wire, out error) || Learn(view.App, wire, out error) is not { } state)
            return false;
        if (state.IsRoot || (state.HasReplica && state.ReplicaRound >= view.Round))
            return true; // this node already has something as new
        ReplicasRestored++;
        state.ReplicaRound = view.Round;
        state.ReplicaModel = checkpoint;
        state.ReplicaSince = _context.Now;
        state.ReplicaMembers = null;
        state.ReplicaFrom = PeerHandle.None;
        state.ReplicaOrphaned = true;
        state.ReplicaPushedTo = PeerHandle.None;
        state.Restored = true;
        Pull(state);
        EnsureMaintenance(state);
        return true;
    }

    /// <summary>
    /// This node is the app's root with state it kept on its own disk: after a stop of every host, nobody else knows
    /// the app any more, so the app layer announces it again.
    /// </summary>
    public bool IsRestoredRoot(NodeId app) => Tree(app) is { IsRoot: true, Restored: true };

    /// <summary>True while this node waits for answers to its pull of the app's state (no hand-on, no take-over yet).</summary>
    private bool IsPulling(TreeState state) => state.PulledAt >= 0 && _context.Now - state.PulledAt < PullGraceMicros;

    private void Pull(TreeState state)
    {
        state.PulledAt = _context.Now;
        state.PullRepeated = false;
        SendPull(state);
    }

    private void SendPull(TreeState state)
    {
        ReplicaPulls++;
        Message pull = TreeMessages.ReplicaPull(state.App.Id);
        var asked = new HashSet<PeerHandle>();
        foreach (PeerHandle peer in Overlay.RightLeaves().Concat(Overlay.LeftLeaves()))
        {
            if (peer != _context.Self && asked.Add(peer))
                SendControl(peer, pull);
        }
    }

    /// <summary>Times this node, a root holding nothing of an app, asked its leaf set for the app's state.</summary>
    public int ReplicaPulls { get; private set; }

    /// <summary>Times this node answered a pull: with its replica, or by handing over the app it was root of.</summary>
    public int ReplicaPullsAnswered { get; private set; }

    /// <summary>How long after asking a root waits for the app's state before it may start the app afresh.</summary>
    public static long PullGraceMicros => 3_000_000;

    /// <summary>
    /// How long the silence after a pull stands for the leaf set's answer: a root that starts its app later asks again
    /// first, since what its leaf set knows (and whom it knows) may have changed since.
    /// </summary>
    public static long PullAnswerKeptMicros => 2 * PullGraceMicros;

    /// <summary>Times this node told a root holding nothing of an app about a node closer to the app than that root.</summary>
    public int CloserNodesIntroduced { get; private set; }

    /// <summary>
    /// Called by the app layer at a root about to start an app it was not handed (it learned of it from a worker, not a
    /// submit): asks the leaf set for the app's state; true while the answers may still come. If its joiners had seen
    /// rounds of the app, the app ran elsewhere and its state lives there (across a cut, or on a node that will answer
    /// once back), so it keeps asking, one grace after another, and the app never starts afresh with its model lost; it
    /// goes on when the state comes or when this root steps down for a closer one (true then too: it must not start).
    /// </summary>
    public bool IsPullingState(NodeId app)
    {
        if (Tree(app) is not { IsRoot: true } state || HoldsAppState(state))
            return false;
        StepDownIfStale(state); // ForestNode.Repair.cs: a closer node became known (a pull's answer named it)
        if (!state.IsRoot)
            return true; // it joins the real root's tree: nothing to start here
        long since = _context.Now - state.PulledAt;
        if (state.PulledAt < 0)
            Pull(state);
        else if (!IsPulling(state) && state.Round > 0)
            Pull(state); // its workers saw rounds: the app ran elsewhere (a cut, a restart), so ask again, never start afresh
        else if (!IsPulling(state) && since >= PullAnswerKeptMicros)
            Pull(state); // asked long ago (at the first enrolment): ask again right before starting afresh
        else if (IsPulling(state) && !state.PullRepeated && since >= PullGraceMicros / 2)
        {
            // Halfway through the grace with nothing yet: ask once more, so that one lost pull or answer does not
            // start the app afresh while its state lives on next door.
            state.PullRepeated = true;
            SendPull(state);
        }

        return IsPulling(state);
    }

    /// <summary>
    /// The round this root's workers had seen when it began asking for an app's state it does not hold (the app ran
    /// elsewhere and it will not start it afresh), or −1 when it is not waiting: for a status that says why nothing moves.
    /// </summary>
    public int AwaitedStateRound(NodeId app)
        => Tree(app) is { IsRoot: true } state && !HoldsAppState(state) && state.PulledAt >= 0 && state.Round > 0 ? state.Round : -1;

    /// <summary>A holder handed on a dead root's replica: keep it, and if this node is the closest to the app, resume it now.</summary>
    private void OnSucceed(PeerHandle from, ReplicaView message)
    {
        OnReplica(from, message); // ForestNode.Replication.cs: kept if newest (or taken over at once by a root behind it)
        if (Tree(message.App) is { IsRoot: false, HasReplica: true } state && !IsPulling(state)
            && Overlay.NextHop(state.App.Id, PeerHandle.None, state.App.Scope).IsNone)
        {
            state.ReplicaOrphaned = false;
            BecomeRoot(state); // ForestNode.Membership.cs: takes over from the replica
        }
    }

    private void OnReplicaPull(PeerHandle from, NodeId app)
    {
        if (from == _context.Self)
            return;
        IntroduceCloser(from, app);
        if (Tree(app) is not { } state)
            return;
        if (state.IsRoot && app != AppId.AdvertiseDiscover && app.IsCloser(IdOf(from), Overlay.Id))
        {
            // The asker is closer and alive: the overlay must know it first (it may hold it dead from before its
            // restart), or the JOIN this root sends after handing over would route straight back here.
            Overlay.ReportAlive(from);
            if (HoldsAppState(state))
            {
                ReplicaPullsAnswered++;
                MoveRootTo(state, from); // ForestNode.Repair.cs
            }
            else
            {
                // Neither has started the app (it was submitted here just as the asker came back): two roots would
                // both start it, so this one joins under the closer one, which starts it once its grace is over.
                StepDownIfStale(state); // ForestNode.Repair.cs
            }
        }
        else if (!state.IsRoot && state.HasReplica)
        {
            ReplicaPullsAnswered++;
            SendReplica(state, from, ReplicaMessage(state, state.ReplicaRound, state.ReplicaModel, state.ReplicaMembers));
        }
    }

    /// <summary>
    /// A pull comes from a root that holds nothing, so it believes no node is closer to the app. If this node knows a
    /// closer one (itself, or a peer the asker's tables lack: the asker came back from a restart or a cut and has not
    /// heard from that side yet), it names it, so the asker's overlay learns it and the asker steps down and joins the
    /// real root's tree instead of starting the app afresh beside it (two masters, one of them without the model).
    /// </summary>
    private void IntroduceCloser(PeerHandle asker, NodeId app)
    {
        PeerHandle closest = Overlay.NextHop(app, PeerHandle.None, Tree(app)?.App.Scope ?? RouteScope.Global);
        if (closest.IsNone)
            closest = _context.Self;
        if (closest == asker || !app.IsCloser(IdOf(closest), IdOf(asker)))
            return;
        CloserNodesIntroduced++;
        Overlay.Introduce(asker, closest);
    }
}
