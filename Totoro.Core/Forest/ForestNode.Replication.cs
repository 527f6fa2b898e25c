using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>Liveness and replicas: heartbeats, parent timeouts, and the root's state kept on its closest neighbours.</summary>
public sealed partial class ForestNode
{
    // ---- Liveness and replicas -------------------------------------------------------------------------

    private void EnsureMaintenance(TreeState state) => EnsureMaintenance(state.App.Options.HeartbeatPeriodMicros);

    private void EnsureMaintenance(long period)
    {
        if (_maintaining)
            return;
        _maintaining = true;
        _context.SetTimer(1 + (long)(_context.NextRandom() % (ulong)period), MaintenanceTimer);
    }

    private void Maintain()
    {
        long now = _context.Now;
        long period = long.MaxValue;
        foreach (TreeState state in _trees?.Values ?? (IEnumerable<TreeState>)[])
        {
            TreeOptions options = state.App.Options;
            period = Math.Min(period, options.HeartbeatPeriodMicros);
            if (state.Children.Count > 0)
            {
                bool due = now - state.LastSentDown >= options.HeartbeatPeriodMicros;
                CollectKeepAlive(state, due); // ForestNode.KeepAlive.cs: one message per child neighbour, all trees
                if (due)
                    state.LastSentDown = now;
            }

            if (BreakStaleDetachment(state, now))
            {
                // ForestNode.Repair.cs: re-joined to break a likely loop
            }
            else if (!state.IsRoot && !state.Parent.IsNone && now - state.ParentHeard > ParentTimeout(state))
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

        SendKeepAlives(period);
        RefreshUpFlows(now); // ForestNode.UpWindow.cs
        long tick = Math.Min(period, CheckWatches(now)); // ForestNode.Watch.cs
        if (tick == long.MaxValue)
        {
            _maintaining = false; // a watcher in no tree whose watches lapsed: a new watch starts the timer again
            return;
        }

        _context.SetTimer(tick, MaintenanceTimer);
    }

    /// <summary>
    /// How long a child waits for its parent: the parent timeout, and while the parent's watchers cover it (a lease of
    /// more than one period) the audits' spacing on top, so that only a parent whose watchers all died with it (or
    /// missed the child) is found this way.
    /// </summary>
    private static long ParentTimeout(TreeState state)
        => state.App.Options.ParentTimeoutMicros + (state.ParentLease > 1 ? state.ParentLease * state.App.Options.HeartbeatPeriodMicros : 0);

    /// <summary>A root's replica: keep the newest; a root that is behind it takes over from it.</summary>
    private void OnReplica(PeerHandle from, ReplicaView message)
    {
        if (!ReplicaEnvelope.TryOpen(message.Sealed, out Payload? checkpoint, out Payload? wire, out string? why)
            || Learn(message.App, wire, out why) is not { } replica)
        {
            Refuse(why);
            return;
        }

        if (TakeOverLate(replica, from, message.Round, checkpoint, message.Members)) // ForestNode.Repair.cs
            return;
        if (message.Round >= replica.ReplicaRound)
        {
            replica.ReplicaRound = message.Round;
            replica.ReplicaModel = checkpoint;
            replica.ReplicaSince = _context.Now;
            replica.ReplicaMembers = message.Members;
            // An answer to this node's pull (ForestNode.Succession.cs) is newer state, not a live root taking charge.
            if (!IsPulling(replica))
            {
                replica.ReplicaFrom = from;
                replica.ReplicaOrphaned = false;
                replica.Restored = false; // a live root has the app
            }

            replica.ReplicaPushedTo = PeerHandle.None;
            ReplicaStore?.Save(TreeMessages.Replica(message.App, message.Round, message.Sealed!, null));
        }
    }

    /// <summary>The root keeps its state (round, global model, children) on its closest leaf-set neighbours.</summary>
    private void Replicate(TreeState state, Payload? model)
    {
        int k = state.App.Options.Replicas;
        if (k == 0 && ReplicaStore is null)
            return;
        Message replica = ReplicaMessage(state, state.Round, model, [.. state.Children]);
        ReplicaStore?.Save(replica with { Peers = null }); // the root's own memory of its state, for a restart (ForestNode.Succession.cs)
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
                        SendReplica(state, side[i], replica); // ForestNode.ReplicaChunks.cs: in chunks above one
                        sent++;
                    }
                }
            }
        }
    }
}
