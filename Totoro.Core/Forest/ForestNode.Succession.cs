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
    /// <summary>Times this node, a root holding nothing of an app, asked its leaf set for the app's state.</summary>
    public int ReplicaPulls { get; private set; }

    /// <summary>Times this node answered a pull: with its replica, or by handing over the app it was root of.</summary>
    public int ReplicaPullsAnswered { get; private set; }

    /// <summary>How long after asking a root waits for the app's state before it may start the app afresh.</summary>
    public static long PullGraceMicros => 3_000_000;

    /// <summary>
    /// Called by the app layer at a root about to start an app it was not handed (it learned of it from a worker, not a
    /// submit): asks the leaf set for the app's state once; true while the answers may still come.
    /// </summary>
    public bool IsPullingState(NodeId app)
    {
        if (Tree(app) is not { IsRoot: true } state || HoldsAppState(state))
            return false;
        long now = _context.Now;
        if (state.PulledAt < 0)
        {
            state.PulledAt = now;
            ReplicaPulls++;
            Message pull = TreeMessages.ReplicaPull(app);
            var asked = new HashSet<PeerHandle>();
            foreach (PeerHandle peer in Overlay.RightLeaves().Concat(Overlay.LeftLeaves()))
            {
                if (peer != _context.Self && asked.Add(peer))
                    SendControl(peer, pull);
            }
        }

        return now - state.PulledAt < PullGraceMicros;
    }

    private void OnReplicaPull(PeerHandle from, NodeId app)
    {
        if (Tree(app) is not { } state || from == _context.Self)
            return;
        if (state.IsRoot && HoldsAppState(state) && app != AppId.AdvertiseDiscover && app.IsCloser(IdOf(from), Overlay.Id))
        {
            ReplicaPullsAnswered++;
            MoveRootTo(state, from); // ForestNode.Repair.cs: the asker is closer and alive
        }
        else if (!state.IsRoot && state.HasReplica)
        {
            ReplicaPullsAnswered++;
            SendControl(from, ReplicaMessage(state, state.ReplicaRound, state.ReplicaModel, state.ReplicaMembers));
        }
    }
}
