using System.Buffers.Binary;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Keep-alives batched per neighbour across trees: each period a parent sends each of its children one message that
/// covers every tree the two share, so a node's keep-alive traffic grows with its neighbours, not with its trees. The
/// message names the shared trees only by a digest (a count and an order-free hash); the full list travels when the
/// set changed since the last one this neighbour was sent, or when the child asks because its own digest differs. The
/// digest covers what a periodic per-tree heartbeat used to repeat (cut off from the root; the grandparent), so a
/// child that missed a change asks, and the list tells it.
/// </summary>
public sealed partial class ForestNode
{
    private Dictionary<PeerHandle, KeepAliveDigest>? _keepAlives;   // this period's digest per child, rebuilt each tick
    private Dictionary<PeerHandle, KeepAliveDigest>? _listsSent;     // per child: the digest whose full list it was sent
    private Dictionary<PeerHandle, long>? _keepAliveSentAt;           // per child: when it was last sent a keep-alive

    /// <summary>Keep-alive messages this node sent (one per child neighbour per period, whatever the trees).</summary>
    public long KeepAlivesSent { get; private set; }

    /// <summary>Keep-alives that carried the full list of shared trees (the set changed, or a child asked).</summary>
    public long KeepAliveLists { get; private set; }

    /// <summary>Adds one tree's children to this period's per-neighbour digests; <paramref name="due"/>: its period is up.</summary>
    private void CollectKeepAlive(TreeState state, bool due)
    {
        _keepAlives ??= [];
        _childTimeout = Math.Min(_childTimeout, state.App.Options.ParentTimeoutMicros);
        _childPeriod = Math.Min(_childPeriod, state.App.Options.HeartbeatPeriodMicros);
        foreach (PeerHandle child in state.Children)
        {
            ref KeepAliveDigest digest = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_keepAlives, child, out _);
            digest = digest.With(state.App.Id, state.Detached, IdOrZero(state.Parent), due);
        }
    }

    /// <summary>
    /// Sends a keep-alive to every child neighbour whose shared trees include one that is due: every period, or, while
    /// this node's watchers cover its children (ForestNode.Watch.cs), every <see cref="AuditEvery"/> periods and
    /// whenever what the two share changed.
    /// </summary>
    private void SendKeepAlives(long period)
    {
        if (_keepAlives is not { Count: > 0 })
        {
            ReleaseWatchers([]); // no children: nothing to watch for
            _childTimeout = _childPeriod = long.MaxValue;
            return;
        }

        long now = _context.Now;
        int lease = SendWatchKeepAlives() ? AuditEvery : 1; // ForestNode.Watch.cs
        _keepAliveSentAt ??= [];
        foreach ((PeerHandle child, KeepAliveDigest digest) in _keepAlives)
        {
            if (!digest.Due)
                continue;
            bool changed = _listsSent is null || !_listsSent.TryGetValue(child, out KeepAliveDigest listed) || !listed.SameTrees(digest);
            if (lease == 1 || changed || !_keepAliveSentAt.TryGetValue(child, out long at) || now - at >= (lease * period) - (period / 2))
            {
                _keepAliveSentAt[child] = now;
                SendKeepAlive(child, digest, forceList: false, lease);
            }
        }

        // Forget what was sent to former children (a neighbour that comes back gets the list again, its set changed).
        if (_listsSent is { } sent && sent.Count > (2 * _keepAlives.Count) + 8)
        {
            foreach (PeerHandle former in sent.Keys.Where(p => !_keepAlives.ContainsKey(p)).ToList())
            {
                sent.Remove(former);
                _keepAliveSentAt.Remove(former);
            }
        }

        _keepAlives.Clear();
        _childTimeout = _childPeriod = long.MaxValue;
    }

    private void SendKeepAlive(PeerHandle child, KeepAliveDigest digest, bool forceList, int lease)
    {
        _listsSent ??= [];
        bool list = forceList || !_listsSent.TryGetValue(child, out KeepAliveDigest sent) || !sent.SameTrees(digest);
        Payload? trees = null;
        PeerHandle[]? grandparents = null;
        if (list)
        {
            (trees, grandparents) = SharedTreeList(child, digest.Count);
            _listsSent[child] = digest;
            KeepAliveLists++;
        }

        KeepAlivesSent++;
        SendControl(child, TreeMessages.KeepAlive(digest.Hash, digest.Count, trees, grandparents, lease));
    }

    /// <summary>
    /// The trees in which <paramref name="child"/> is this node's child: app id, whether this node is cut off, and its own
    /// parent (the child's grandparent) as an index into the message's peers.
    /// </summary>
    private (Payload Trees, PeerHandle[]? Grandparents) SharedTreeList(PeerHandle child, int count)
    {
        var bytes = new byte[count * KeepAliveDigest.EntryBytes];
        var grandparents = new List<PeerHandle>();
        int at = 0;
        foreach (TreeState state in _trees!.Values)
        {
            if (at < bytes.Length && state.Children.Contains(child))
            {
                state.App.Id.WriteBytes(bytes.AsSpan(at));
                bytes[at + 16] = state.Detached ? (byte)1 : (byte)0;
                int index = state.Parent.IsNone ? -1 : grandparents.IndexOf(state.Parent);
                if (!state.Parent.IsNone && index < 0 && grandparents.Count < MessageCodec.MaxPeers)
                {
                    index = grandparents.Count;
                    grandparents.Add(state.Parent);
                }

                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at + 17), index < 0 ? KeepAliveDigest.NoGrandparent : (ushort)index);
                at += KeepAliveDigest.EntryBytes;
            }
        }

        return (Payload.FromData(at == bytes.Length ? bytes : bytes[..at]), grandparents.Count > 0 ? [.. grandparents] : null);
    }

    private NodeId IdOrZero(PeerHandle peer) => peer.IsNone ? NodeId.Zero : _context.IdOf(peer);

    /// <summary>
    /// From a parent: every tree it names (by list, or by a digest equal to this node's own for that parent) hears from
    /// its parent. A digest that differs asks for the list; trees the list leaves out hear nothing and time out.
    /// </summary>
    private void OnKeepAlive(PeerHandle from, KeepAliveView message)
    {
        if (message.Form is not 0 and not KeepAliveView.RequestRow)
        {
            OnWatchMessage(from, message); // ForestNode.Watch.cs
            return;
        }

        if (_trees is null)
            return;
        if (message.IsRequest)
        {
            if (OwnDigestAsParent(from) is { Count: > 0 } digest)
                SendKeepAlive(from, digest, forceList: true, WatchedLease());
            return;
        }

        long now = _context.Now;
        int lease = message.Lease;
        if (message.Trees is { } list)
        {
            if (list.Data is not { } bytes || bytes.Length % KeepAliveDigest.EntryBytes != 0)
            {
                Refuse("a keep-alive list whose length is not a whole number of entries");
                return;
            }

            for (int at = 0; at < bytes.Length; at += KeepAliveDigest.EntryBytes)
            {
                if (Tree(NodeId.FromBytes(bytes.AsSpan(at, 16))) is not { } state)
                    continue;
                if (state.Parent == from)
                {
                    state.ParentHeard = now;
                    state.ParentLease = lease;
                    int index = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 17));
                    state.Grandparent = message.Grandparents is { } known && index < known.Length ? known[index] : PeerHandle.None;
                    SetDetached(state, bytes[at + 16] != 0);
                }
                else if (!state.Joining)
                {
                    // A former parent still counts this node as a child (its leave was lost): tell it again, as a
                    // stray broadcast does (ForestNode.Rounds.cs), so the two digests agree from the next period.
                    // A parent this node just moved from hears of the move again (it answers the rounds that one sent it).
                    SendControl(from, TreeMessages.Leave(state.App.Id, AnsweredThrough(state, from), moved: from == state.FormerParent));
                }
            }

            return;
        }

        KeepAliveDigest mine = default;
        foreach (TreeState state in _trees.Values)
        {
            if (state.Parent == from)
                mine = mine.With(state.App.Id, state.Detached, IdOrZero(state.Grandparent), due: false);
        }

        if (mine.Count == message.Count && mine.Hash == message.Hash)
        {
            foreach (TreeState state in _trees.Values)
            {
                if (state.Parent == from)
                {
                    state.ParentHeard = now;
                    state.ParentLease = lease;
                }
            }
        }
        else
        {
            SendControl(from, TreeMessages.KeepAliveRequest());
        }
    }

    /// <summary>This node's digest of the trees in which <paramref name="child"/> is its child.</summary>
    private KeepAliveDigest OwnDigestAsParent(PeerHandle child)
    {
        KeepAliveDigest digest = default;
        foreach (TreeState state in _trees!.Values)
        {
            if (state.Children.Contains(child))
                digest = digest.With(state.App.Id, state.Detached, IdOrZero(state.Parent), due: true);
        }

        return digest;
    }
}
