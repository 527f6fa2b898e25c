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
    /// Called by the app layer at a root about to start an app it was not handed (it learned of it from a worker, not a
    /// submit): asks the leaf set for the app's state; true while the answers may still come. If its joiners had seen
    /// rounds of the app, the app ran elsewhere and its state lives there (across a cut, or on a node that will answer
    /// once back), so it keeps asking, one grace after another, and the app never starts afresh with its model lost; it
    /// goes on when the state comes or when this root steps down for a closer one.
    /// </summary>
    public bool IsPullingState(NodeId app)
    {
        if (Tree(app) is not { IsRoot: true } state || HoldsAppState(state))
            return false;
        if (state.PulledAt < 0)
            Pull(state);
        else if (!IsPulling(state) && state.Round > 0)
            Pull(state); // its workers saw rounds: the app ran elsewhere (a cut, a restart), so ask again, never start afresh
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
        if (Tree(app) is not { } state || from == _context.Self)
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
}
