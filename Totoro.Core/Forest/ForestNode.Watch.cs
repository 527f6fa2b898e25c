using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Tree liveness that does not grow with trees. A node's closest leaf-set neighbours watch each other in the overlay
/// already; the two closest on each side also watch it for its tree children (two a side, so that a burst that kills
/// a node seldom kills all its watchers with it). Each period a node sends each of them one keep-alive
/// that names its distinct children across every tree (a digest; the list when it changed or they ask), and a watcher
/// that hears nothing for the children's parent timeout tells each child its parent died: the children re-join at
/// once, as they would on their own timeout. So a parent sends each child a keep-alive only every
/// <see cref="AuditEvery"/> periods (for what the digest carries besides liveness: the shared trees, the detached
/// flag, the grandparent) and at once when that changed, and a node pays four messages a period plus its audits
/// however many trees it serves.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Heartbeat periods between keep-alives to a child while watchers cover it; its parent timeout grows as much.</summary>
    public const int AuditEvery = 6;

    /// <summary>Watchers a node has on each side of the ring: its closest leaf-set neighbours.</summary>
    public const int WatchersPerSide = 2;

    private const int MaxWatched = 4 * WatchersPerSide; // watch duty is taken for at most this many nodes

    private Dictionary<PeerHandle, Watch>? _watching;                 // nodes this node watches, with their children
    private Dictionary<PeerHandle, KeepAliveDigest>? _watchListsSent;  // per watcher: the digest whose list it was sent
    private long _childTimeout = long.MaxValue;                        // this tick: the shortest parent timeout of the trees with children
    private long _childPeriod = long.MaxValue;                         // this tick: the shortest heartbeat period of the trees with children
    private long _watchSentAt = long.MinValue / 2;                     // when the watchers were last sent a keep-alive

    /// <summary>Keep-alives this node sent its watchers (one to each a period).</summary>
    public long WatchKeepAlivesSent { get; private set; }

    /// <summary>Notices this node sent, as a watcher, to the children of a node that stopped answering.</summary>
    public long ParentDeathNotices { get; private set; }

    /// <summary>Notices from a watcher that made this node re-join (its parent had died).</summary>
    public int ParentDeathsHeard { get; private set; }

    /// <summary>How many periods this node's children may wait for its keep-alives: more than one while watchers cover them.</summary>
    private int WatchedLease() => Watchers().Length > 0 ? AuditEvery : 1;

    /// <summary>This node's watchers now: its closest leaf-set neighbours, distinct (a small ring wraps around).</summary>
    private PeerHandle[] Watchers()
    {
        Span<PeerHandle> found = stackalloc PeerHandle[2 * WatchersPerSide];
        int n = 0;
        for (int rank = 0; rank < WatchersPerSide; rank++)
        {
            foreach (bool clockwise in (ReadOnlySpan<bool>)[true, false])
            {
                PeerHandle peer = Overlay.LeafNeighbour(clockwise, rank);
                if (!peer.IsNone && peer != _context.Self && found[..n].IndexOf(peer) < 0)
                    found[n++] = peer;
            }
        }

        return found[..n].ToArray();
    }

    private bool IsWatcherOfMine(PeerHandle peer) => Array.IndexOf(Watchers(), peer) >= 0;

    /// <summary>
    /// This tick's keep-alive to each watcher, naming the children collected in <see cref="_keepAlives"/>. False when
    /// no watcher covers them (no leaf-set neighbour, or more children than a message lists): keep-alives every period.
    /// </summary>
    private bool SendWatchKeepAlives()
    {
        PeerHandle[] watchers = Watchers();
        if (watchers.Length == 0 || _keepAlives!.Count > MessageCodec.MaxPeers)
        {
            ReleaseWatchers([]);
            return false;
        }

        ReleaseWatchers(watchers);
        KeepAliveDigest digest = default;
        foreach (PeerHandle child in _keepAlives.Keys)
            digest = digest.With(_context.IdOf(child), detached: false, NodeId.Zero, due: false);

        // On its own clock, not the trees' (a tree's period may fall between two ticks), and at once when the children
        // changed: a child is told it may wait for audits only once the watchers have heard of it.
        long now = _context.Now;
        if (now - _watchSentAt < _childPeriod - (_childPeriod / 4) && Array.TrueForAll(watchers, w => Listed(w, digest)))
            return true;
        _watchSentAt = now;
        foreach (PeerHandle watcher in watchers)
            SendWatchKeepAlive(watcher, digest, forceList: false);
        return true;
    }

    private bool Listed(PeerHandle watcher, KeepAliveDigest digest)
        => _watchListsSent is not null && _watchListsSent.TryGetValue(watcher, out KeepAliveDigest sent) && sent.SameTrees(digest);

    private void SendWatchKeepAlive(PeerHandle watcher, KeepAliveDigest digest, bool forceList)
    {
        if (watcher.IsNone)
            return;
        _watchListsSent ??= [];
        bool list = forceList || !_watchListsSent.TryGetValue(watcher, out KeepAliveDigest sent) || !sent.SameTrees(digest);
        PeerHandle[]? children = null;
        if (list)
        {
            children = [.. _keepAlives!.Keys];
            _watchListsSent[watcher] = digest;
        }

        // Sent every period on ticks at most a period apart: two periods may pass between two keep-alives.
        WatchKeepAlivesSent++;
        SendControl(watcher, TreeMessages.WatchKeepAlive(digest.Hash, digest.Count, Math.Max(_childTimeout, (2 * _childPeriod) + (_childPeriod / 2)), children));
    }

    /// <summary>Former watchers (no longer among the closest leaf-set neighbours) are told to stop, so that they raise no alarm.</summary>
    private void ReleaseWatchers(PeerHandle[] watchers)
    {
        if (_watchListsSent is not { Count: > 0 } sent)
            return;
        List<PeerHandle>? former = null;
        foreach (PeerHandle watcher in sent.Keys)
        {
            if (Array.IndexOf(watchers, watcher) < 0)
                (former ??= []).Add(watcher);
        }

        foreach (PeerHandle watcher in former ?? [])
        {
            sent.Remove(watcher);
            SendControl(watcher, TreeMessages.WatchKeepAlive(0, 0, _childTimeout, null));
        }
    }

    private void OnWatchMessage(PeerHandle from, KeepAliveView message)
    {
        switch (message.Form)
        {
            case KeepAliveView.WatchRow:
                OnWatchKeepAlive(from, message);
                break;
            case KeepAliveView.WatchRequestRow:
                // A watcher lacks the list: it goes with the next tick's digest, or now if this tick's has been sent.
                _watchListsSent?.Remove(from);
                break;
            case KeepAliveView.ParentDeadRow when message.Peers is [var parent]:
                OnParentDead(parent);
                break;
            default:
                Refuse("a keep-alive of a form the forest does not speak");
                break;
        }
    }

    private void OnWatchKeepAlive(PeerHandle from, KeepAliveView message)
    {
        if (message.Count == 0)
        {
            _watching?.Remove(from); // released: it has no children, or other watchers
            return;
        }

        _watching ??= [];
        if (!_watching.TryGetValue(from, out Watch? watch))
        {
            if (_watching.Count >= MaxWatched)
                return;
            watch = new Watch();
            _watching[from] = watch;
        }

        watch.Heard = _context.Now;
        watch.TimeoutMicros = message.TimeoutMicros;
        watch.ProbedAt = -1;
        if (message.Peers is { } children)
        {
            watch.Children = children;
            watch.Hash = message.Hash;
            watch.Count = message.Count;
        }
        else if (watch.Hash != message.Hash || watch.Count != message.Count)
        {
            SendControl(from, TreeMessages.WatchRequest());
        }

        EnsureMaintenance(WatchTick(watch));
    }

    private static long WatchTick(Watch watch) => Math.Max(watch.TimeoutMicros / 2, KeepAliveView.TimeoutUnitMicros);

    /// <summary>
    /// On each tick: a watched node silent past its timeout is probed; if this node is still one of its watchers
    /// (so it would still be sending here) its children are told at once, else they are told if the overlay rules it
    /// dead (<see cref="WatchedDied"/>), and the watch lapses if it answers. Returns the tick the watches need.
    /// </summary>
    private long CheckWatches(long now)
    {
        if (_watching is not { Count: > 0 })
            return long.MaxValue;
        long tick = long.MaxValue;
        long probeWindow = 2 * Overlay.Options.ProbeTimeoutMicros * Overlay.Options.ProbeTries;
        List<PeerHandle>? done = null;
        foreach ((PeerHandle peer, Watch watch) in _watching)
        {
            tick = Math.Min(tick, WatchTick(watch));
            if (watch.ProbedAt >= 0)
            {
                if (now - watch.ProbedAt > probeWindow)
                    (done ??= []).Add(peer); // it answered the probe: it sends to other watchers now
                continue;
            }

            if (now - watch.Heard <= watch.TimeoutMicros)
                continue;
            Overlay.ReportUnresponsive(peer);
            if (IsWatcherOfMine(peer)) // the ring is symmetric: it still counts this node among its watchers
            {
                NotifyChildren(peer, watch);
                (done ??= []).Add(peer);
            }
            else
            {
                watch.ProbedAt = now;
            }
        }

        foreach (PeerHandle peer in done ?? [])
            _watching.Remove(peer);
        return tick;
    }

    private void HeardFromWatched(PeerHandle from)
    {
        if (_watching!.TryGetValue(from, out Watch? watch) && watch.ProbedAt < 0)
            watch.Heard = _context.Now;
    }

    /// <summary>The overlay declared a peer dead: if this node watched it, its children hear of it now.</summary>
    private void WatchedDied(PeerHandle peer)
    {
        if (_watching is not null && _watching.Remove(peer, out Watch? watch))
            NotifyChildren(peer, watch);
    }

    private void NotifyChildren(PeerHandle dead, Watch watch)
    {
        Message notice = TreeMessages.ParentDead(dead);
        foreach (PeerHandle child in watch.Children)
        {
            if (child != _context.Self && child != dead)
            {
                ParentDeathNotices++;
                SendControl(child, notice);
            }
        }
    }

    /// <summary>A watcher says this node's parent died: every tree under it re-joins now, as on a parent timeout.</summary>
    private void OnParentDead(PeerHandle parent)
    {
        if (_trees is null)
            return;
        bool orphaned = false;
        foreach (TreeState state in _trees.Values)
        {
            if (!state.IsRoot && state.Parent == parent)
            {
                LoseParent(state, parent, silent: true); // ForestNode.Repair.cs
                orphaned = true;
            }
        }

        if (orphaned)
        {
            ParentDeathsHeard++;
            Overlay.ReportUnresponsive(parent);
        }
    }

    /// <summary>What this node knows of a node it watches.</summary>
    private sealed class Watch
    {
        public long Heard;
        public long TimeoutMicros;
        public long Hash;
        public int Count;
        public PeerHandle[] Children = [];
        public long ProbedAt = -1;
    }
}
