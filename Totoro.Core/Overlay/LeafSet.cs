using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// The L/2 numerically closest ids on each side of a node. Each side is kept sorted, closest first.
/// The sides are independent, so on a ring smaller than L a node may sit on both.
/// A mutable struct held by value in its node: one array and two counts, no object of its own.
/// </summary>
internal struct LeafSet
{
    private readonly PeerHandle[] _members; // [0, half): clockwise side; [half, 2·half): counter-clockwise side
    private byte _right;
    private byte _left;

    public LeafSet(int size)
    {
        _members = new PeerHandle[size];
    }

    private readonly int Half => _members.Length / 2;

    public readonly int RightCount => _right;

    public readonly int LeftCount => _left;

    /// <summary>The i-th closest node clockwise (towards larger ids).</summary>
    public readonly PeerHandle Right(int i) => i < _right ? _members[i] : PeerHandle.None;

    /// <summary>The i-th closest node counter-clockwise.</summary>
    public readonly PeerHandle Left(int i) => i < _left ? _members[Half + i] : PeerHandle.None;

    /// <summary>Whether a side holds fewer than L/2 nodes, which at steady state means the whole ring is known.</summary>
    public readonly bool IsShort => _right < Half || _left < Half;

    public readonly bool Contains(PeerHandle peer) => IndexOnSide(peer, 0, _right) >= 0 || IndexOnSide(peer, Half, _left) >= 0;

    /// <summary>Offers a node whose id is <paramref name="id"/>; returns true if the leaf set changed.</summary>
    public bool TryAdd(INodeContext context, NodeId self, PeerHandle peer, NodeId id)
    {
        if (id == self)
            return false;
        bool changed = InsertSorted(context, peer, self.ClockwiseTo(id), 0, ref _right, clockwise: true, self);
        changed |= InsertSorted(context, peer, id.ClockwiseTo(self), Half, ref _left, clockwise: false, self);
        return changed;
    }

    /// <summary>How far each side reaches now: measure once, then ask <see cref="WouldAdmit"/> about many peers.</summary>
    public readonly LeafReach Reach(INodeContext context, NodeId self) => IsShort
        ? new LeafReach(true, UInt128.Zero, UInt128.Zero)
        : new LeafReach(false, self.ClockwiseTo(context.IdOf(_members[_right - 1])), context.IdOf(_members[Half + _left - 1]).ClockwiseTo(self));

    /// <summary>
    /// Whether offering this node (whose id is <paramref name="id"/>) would change the leaf set (without changing it),
    /// given the set's <paramref name="reach"/> measured since it last changed.
    /// </summary>
    public readonly bool WouldAdmit(NodeId self, PeerHandle peer, NodeId id, in LeafReach reach)
    {
        if (id == self || Contains(peer))
            return false;
        return reach.Short || self.ClockwiseTo(id) < reach.Right || id.ClockwiseTo(self) < reach.Left;
    }

    public bool Remove(PeerHandle peer)
    {
        bool removed = RemoveFromSide(peer, 0, ref _right);
        removed |= RemoveFromSide(peer, Half, ref _left);
        return removed;
    }

    /// <summary>True when the key lies between the farthest members of the two sides, so the closest node to it is known here.</summary>
    public readonly bool Covers(INodeContext context, NodeId self, NodeId key)
    {
        if (IsShort)
            return true;
        UInt128 cw = self.ClockwiseTo(key);
        UInt128 ccw = key.ClockwiseTo(self);
        return cw <= self.ClockwiseTo(context.IdOf(_members[_right - 1]))
            || ccw <= context.IdOf(_members[Half + _left - 1]).ClockwiseTo(self);
    }

    /// <summary>
    /// The member numerically closest to the key (never <paramref name="avoid"/>), or <see cref="PeerHandle.None"/>
    /// when this node itself is closest.
    /// </summary>
    public readonly PeerHandle Closest(INodeContext context, NodeId self, NodeId key, PeerHandle avoid = default)
    {
        PeerHandle best = PeerHandle.None;
        NodeId bestId = self;
        for (int i = 0; i < _members.Length; i++)
        {
            if ((i < Half && i >= _right) || (i >= Half && i - Half >= _left) || (!avoid.IsNone && _members[i] == avoid))
                continue;
            NodeId id = context.IdOf(_members[i]);
            if (key.IsCloser(id, bestId))
            {
                best = _members[i];
                bestId = id;
            }
        }

        return best;
    }

    /// <summary>Every distinct member, clockwise side first.</summary>
    public readonly int CopyDistinct(Span<PeerHandle> destination)
    {
        int n = 0;
        for (int i = 0; i < _right; i++)
            destination[n++] = _members[i];
        for (int i = 0; i < _left; i++)
        {
            PeerHandle p = _members[Half + i];
            if (IndexOnSide(p, 0, _right) < 0)
                destination[n++] = p;
        }

        return n;
    }

    public readonly int DistinctCount
    {
        get
        {
            int n = _right;
            for (int i = 0; i < _left; i++)
            {
                if (IndexOnSide(_members[Half + i], 0, _right) < 0)
                    n++;
            }

            return n;
        }
    }

    private readonly int IndexOnSide(PeerHandle peer, int start, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (_members[start + i] == peer)
                return start + i;
        }

        return -1;
    }

    private readonly bool InsertSorted(INodeContext context, PeerHandle peer, UInt128 distance, int start, ref byte count, bool clockwise, NodeId self)
    {
        if (IndexOnSide(peer, start, count) >= 0)
            return false;
        int position = count;
        while (position > 0)
        {
            NodeId other = context.IdOf(_members[start + position - 1]);
            UInt128 otherDistance = clockwise ? self.ClockwiseTo(other) : other.ClockwiseTo(self);
            if (otherDistance < distance)
                break;
            position--;
        }

        if (position >= Half)
            return false;
        int last = Math.Min(count, Half - 1);
        for (int i = last; i > position; i--)
            _members[start + i] = _members[start + i - 1];
        _members[start + position] = peer;
        if (count < Half)
            count++;
        return true;
    }

    private readonly bool RemoveFromSide(PeerHandle peer, int start, ref byte count)
    {
        int at = IndexOnSide(peer, start, count);
        if (at < 0)
            return false;
        int end = start + count - 1;
        for (int i = at; i < end; i++)
            _members[i] = _members[i + 1];
        _members[end] = PeerHandle.None;
        count--;
        return true;
    }
}
